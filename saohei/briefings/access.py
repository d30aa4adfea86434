"""Who may generate, read and edit which town's briefing, decided here and nowhere else.

- 组长/副组长/扫黑办工作人员: their towns' briefings; they save and edit drafts.
- 扫黑办工作人员/组长 (not 副组长): their towns' masthead and closing lines (版头、版记).
- 上级督导: the briefings of the towns under their grant (their subtree), read and export only.
- everyone else (村负责人, 派出所民警, the 保管员, the 三员): 403.

A town or draft outside one's scope answers 404, whatever the reason.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from saohei.briefings.models import BriefingDraft
from saohei.common.roles import Role
from saohei.organisations.access import grant_paths, unit_in_paths, units_within
from saohei.organisations.models import Unit, UnitKind, User
from saohei.organisations.queries import OFFICE_ROLES, is_office_member

# The masthead and closing lines are the office's: its staff and the 组长, not the 副组长.
SETTINGS_ROLES = frozenset({Role.LEADER, Role.OFFICE_STAFF})
READ_ROLES = OFFICE_ROLES | {Role.SUPERVISOR}


def briefing_towns(user: User) -> list[Unit]:
    if not user.is_authenticated:
        return []
    return list(
        units_within(grant_paths(user, READ_ROLES))
        .filter(kind=UnitKind.TOWN, is_active=True)
        .order_by("path")
    )


def get_town_for_user(user: User, unit_id: object) -> Unit:
    """The town by id if the user may brief it; anything else (bad id included) is 404."""
    wanted = str(unit_id or "")
    town = next((town for town in briefing_towns(user) if str(town.pk) == wanted), None)
    if town is None:
        raise Http404("镇（街道）不存在或您无权查看")
    return town


def can_edit(user: User, town: Unit) -> bool:
    """Drafts are the town's own documents: its office and leaders edit them."""
    return is_office_member(user, town)


def can_edit_settings(user: User, town: Unit) -> bool:
    return user.is_authenticated and unit_in_paths(town, grant_paths(user, SETTINGS_ROLES))


def visible_drafts(user: User) -> "list[BriefingDraft]":
    towns = briefing_towns(user)
    return list(
        BriefingDraft.objects.filter(unit__in=towns)
        .select_related("unit", "created_by", "edited_by")
        .order_by("-created_at", "-id")[:50]
    )


def get_draft_for_user(user: User, draft_id: int) -> BriefingDraft:
    draft = (
        BriefingDraft.objects.filter(pk=draft_id, unit__in=briefing_towns(user))
        .select_related("unit", "created_by", "edited_by")
        .first()
    )
    if draft is None:
        raise Http404("简报草稿不存在或您无权查看")
    return draft


def get_settings_town_for_user(user: User, unit_id: object) -> Unit:
    """A town whose 版头版记 the user edits: 403 for other roles and for a reader of the town,
    404 for a town outside the briefing towns."""
    if not user.has_any_role(SETTINGS_ROLES):
        raise PermissionDenied("只有本镇扫黑办工作人员和领导小组组长可以修改简报版头版记")
    town = get_town_for_user(user, unit_id)
    if not can_edit_settings(user, town):
        raise PermissionDenied("只有本镇扫黑办工作人员和领导小组组长可以修改简报版头版记")
    return town
