"""The one ladder: which step is due, each step once per record and deadline, for any model;
and the one rule of who in the office hears of a deadline."""

from datetime import date

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from saohei.common.roles import Role
from saohei.deadlines.ladder import REMIND_AHEAD_WORKING_DAYS, climb_ladder
from saohei.deadlines.models import ReminderKind, ReminderLog
from saohei.deadlines.queries import list_leaders, list_office_staff
from saohei.organisations.models import RoleGrant, Unit, User
from saohei.workdays.calendar import WorkingCalendar

pytestmark = pytest.mark.django_db


@pytest.fixture
def town(demo: None) -> Unit:
    return Unit.objects.get(name="港西镇")


def _climb(records: list[Unit], due: date, today: date) -> tuple[list[ReminderKind], list[int]]:
    sent: list[ReminderKind] = []
    run = climb_ladder(
        records,
        due_on=lambda record: due,
        remind=lambda record, kind: sent.append(kind),
        today=today,
        calendar=WorkingCalendar(),
    )
    return sent, [run.reminded, run.urged, run.supervised]


def test_any_model_climbs_the_ladder_once_per_step(town: Unit) -> None:
    calendar = WorkingCalendar()
    # A working day, so that "five working days late" is five whichever day the test runs.
    today = calendar.add_working_days(timezone.localdate(), 0)
    ahead = calendar.add_working_days(today, REMIND_AHEAD_WORKING_DAYS)

    assert _climb([town], ahead, today) == ([ReminderKind.THREE_DAYS], [1, 0, 0])
    assert _climb([town], ahead, today) == ([], [0, 0, 0])
    assert _climb([town], today, today) == ([ReminderKind.DUE_TODAY], [1, 0, 0])
    late = calendar.add_working_days(today, -1)
    assert _climb([town], late, today) == ([ReminderKind.URGE], [0, 1, 0])
    very_late = calendar.add_working_days(today, -5)
    assert _climb([town], very_late, today) == ([ReminderKind.SUPERVISE], [0, 0, 1])
    assert set(town_log(town)) == {
        (ReminderKind.THREE_DAYS, ahead),
        (ReminderKind.DUE_TODAY, today),
        (ReminderKind.URGE, late),
        (ReminderKind.SUPERVISE, very_late),
    }


def town_log(unit: Unit) -> list[tuple[str, date]]:
    return list(ReminderLog.objects.filter(object_id=unit.pk).values_list("kind", "due_on"))


def test_a_step_that_fails_to_send_is_not_logged(town: Unit) -> None:
    def broken(record: Unit, kind: ReminderKind) -> None:
        raise RuntimeError("notice failed")

    today = timezone.localdate()
    with pytest.raises(RuntimeError):
        climb_ladder(
            [town], due_on=lambda r: today, remind=broken, today=today, calendar=WorkingCalendar()
        )
    assert not ReminderLog.objects.exists()


def test_the_log_refuses_the_same_step_twice_for_one_deadline(town: Unit) -> None:
    today = timezone.localdate()
    climb_ladder(
        [town],
        due_on=lambda r: today,
        remind=lambda r, k: None,
        today=today,
        calendar=WorkingCalendar(),
    )
    row = ReminderLog.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderLog.objects.create(
            content_type=row.content_type, object_id=row.object_id, kind=row.kind, due_on=today
        )


def _person(username: str, home: Unit, role: Role, granted_on: Unit) -> User:
    user = User.objects.create_user(
        username=username, password="Saohei@2026", real_name=username, unit=home
    )
    RoleGrant.objects.create(user=user, role=role, unit=granted_on)
    return user


def test_the_office_is_who_holds_the_office_role_on_the_town_that_owns_the_record(
    town: Unit,
) -> None:
    other_town = Unit.objects.filter(kind=town.kind).exclude(pk=town.pk).first() or town.parent
    assert other_town is not None
    # Lent from another town but granted here: hears of this town's deadlines.
    _person("jiediao", other_town, Role.OFFICE_STAFF, town)
    # Living here but granted elsewhere, no longer active, or a village's own clerk: does not.
    _person("waizhen", town, Role.OFFICE_STAFF, other_town)
    inactive = _person("lizhi", town, Role.OFFICE_STAFF, town)
    User.objects.filter(pk=inactive.pk).update(is_active=False)
    village = Unit.objects.filter(parent=town).first()
    assert village is not None
    _person("cunban", village, Role.OFFICE_STAFF, village)

    office = {user.username for user in list_office_staff(unit=town)}

    assert "jiediao" in office
    assert not office & {"waizhen", "lizhi", "cunban"}
    assert all(
        RoleGrant.objects.filter(user__username=name, role=Role.OFFICE_STAFF, unit=town).exists()
        for name in office
    )


def test_leaders_are_the_group_leaders_granted_on_the_town(town: Unit) -> None:
    leaders = list_leaders(unit=town)
    assert leaders
    assert all(
        user.role_grants.filter(unit=town, role__in=[Role.LEADER, Role.DEPUTY_LEADER]).exists()
        for user in leaders
    )
