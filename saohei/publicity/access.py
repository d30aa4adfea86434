"""Who may see and record which publicity activity, decided here and nowhere else.

- 组长/副组长/扫黑办工作人员: every activity of their towns; they record, correct, void, run the
  schedules and edit the kinds.
- 村负责人: their own village's activities only (read, record, correct, void); never the
  rows a schedule accrued, which belong to the office.
- 上级督导: the activities of the towns under them, read only.
- 派出所民警, 举报信息保管员, the 三员: nothing.

An activity outside a user's scope answers 404, whatever the reason.
"""

from django.db.models import Q
from django.http import Http404

from saohei.common.roles import Role
from saohei.organisations.access import grant_paths, unit_in_paths, units_within
from saohei.organisations.models import Unit, User
from saohei.organisations.queries import OFFICE_ROLES, is_office_member, list_office_towns
from saohei.publicity.models import (
    PublicityActivity,
    PublicityActivityQuerySet,
    PublicitySchedule,
)

READ_ROLES = OFFICE_ROLES | {Role.VILLAGE_HEAD, Role.SUPERVISOR}


def _unit_ids(paths: list[str]) -> list[int]:
    return list(units_within(paths).values_list("pk", flat=True))


def visible_activities(user: User) -> PublicityActivityQuerySet:
    """Every activity the user may read, voided ones included (callers add `.current()`)."""
    if not user.is_authenticated:
        return PublicityActivity.objects.none()
    condition = Q(pk__in=[])
    town_paths = grant_paths(user, OFFICE_ROLES | {Role.SUPERVISOR})
    if town_paths:
        condition |= Q(town_id__in=_unit_ids(town_paths))
    village_paths = grant_paths(user, {Role.VILLAGE_HEAD})
    if village_paths:
        condition |= Q(village_id__in=_unit_ids(village_paths))
    return PublicityActivity.objects.filter(condition)


def get_activity_for_user(user: User, activity_id: int) -> PublicityActivity:
    """The activity if this user may see it; otherwise 404, so ids cannot be probed."""
    activity = (
        visible_activities(user)
        .filter(pk=activity_id)
        .select_related("town", "village", "kind", "handler", "created_by", "voided_by")
        .first()
    )
    if activity is None:
        raise Http404("宣传活动不存在或您无权查看")
    return activity


def is_village_head_of(user: User, village: Unit | None) -> bool:
    return (
        user.is_authenticated
        and village is not None
        and unit_in_paths(village, grant_paths(user, {Role.VILLAGE_HEAD}))
    )


def can_record(user: User, town: Unit, village: Unit | None) -> bool:
    """The town's office for anywhere in the town; a village head for their village only."""
    return is_office_member(user, town) or is_village_head_of(user, village)


def can_correct(user: User, activity: PublicityActivity) -> bool:
    """Correct or void: the office; the village head for their village's own (not accrued) rows."""
    if is_office_member(user, activity.town):
        return True
    return activity.schedule_id is None and is_village_head_of(user, activity.village)


def recordable_villages(user: User) -> list[Unit]:
    """Villages the user may record for: all villages of their towns, or their own village."""
    if not user.is_authenticated:
        return []
    condition = Q(pk__in=[])
    towns = list_office_towns(user)
    if towns:
        condition |= Q(parent__in=towns)
    village_paths = grant_paths(user, {Role.VILLAGE_HEAD})
    if village_paths:
        condition |= Q(pk__in=_unit_ids(village_paths))
    return list(Unit.objects.villages().active().filter(condition).order_by("path"))


def visible_villages(user: User) -> list[Unit]:
    """Villages a reader may filter on: those under their towns, or their own village."""
    if not user.is_authenticated:
        return []
    condition = Q(pk__in=[])
    town_paths = grant_paths(user, OFFICE_ROLES | {Role.SUPERVISOR})
    if town_paths:
        condition |= Q(pk__in=_unit_ids(town_paths))
    village_paths = grant_paths(user, {Role.VILLAGE_HEAD})
    if village_paths:
        condition |= Q(pk__in=_unit_ids(village_paths))
    return list(Unit.objects.villages().filter(condition).order_by("path"))


def visible_schedules(user: User) -> "list[PublicitySchedule]":
    """Schedules of the towns the user reads as office or supervisor; village heads: their own."""
    if not user.is_authenticated:
        return []
    condition = Q(pk__in=[])
    town_paths = grant_paths(user, OFFICE_ROLES | {Role.SUPERVISOR})
    if town_paths:
        condition |= Q(town_id__in=_unit_ids(town_paths))
    village_paths = grant_paths(user, {Role.VILLAGE_HEAD})
    if village_paths:
        condition |= Q(village_id__in=_unit_ids(village_paths))
    return list(
        PublicitySchedule.objects.filter(condition).select_related(
            "town", "village", "kind", "handler"
        )
    )


def get_schedule_for_office(user: User, schedule_id: int) -> PublicitySchedule:
    """A schedule the user's office runs; others get 404."""
    schedule = (
        PublicitySchedule.objects.select_related("town", "village", "kind", "handler")
        .filter(pk=schedule_id)
        .first()
    )
    if schedule is None or not is_office_member(user, schedule.town):
        raise Http404("常态化宣传安排不存在或您无权管理")
    return schedule
