"""/api/v1/group — the 领导小组 roster, as the page `/organisations/group/` shows and keeps it
(issue 15, decision 0068 addendum).

The page's query (`queries.group_to_show`) decides which group: `unit_id`'s, else the account's
own; an upper office without one gets the groups it oversees to choose from. Members are added
and removed in the account's own group only, by those who may maintain it
(`access.get_editable_group`), through the page's services; the person added must be one the
page's form offers (a 400 naming `user_id` otherwise, as for an id that does not exist).
"""

from typing import Annotated

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from saohei.api.schemas import ErrorResponse, OneOf, Shown
from saohei.common.errors import ServiceError
from saohei.common.http import client_ip
from saohei.organisations import queries, services
from saohei.organisations.access import (
    can_edit_group,
    get_editable_group,
    get_editable_membership,
)
from saohei.organisations.forms import GroupMemberForm
from saohei.organisations.models import GroupMembership, LeadingGroup, User

router = Router(tags=["领导小组"])

ERRORS = {
    400: ErrorResponse,
    401: ErrorResponse,
    403: ErrorResponse,
    404: ErrorResponse,
    422: ErrorResponse,
}


class GroupUnitOut(Schema):
    id: int
    name: str


class GroupMemberOut(Schema):
    id: int
    user_id: int
    real_name: str
    unit: str
    group_role: Annotated[str, Shown(GroupMembership, "group_role")]
    group_role_label: str
    title: str
    is_office: bool = Field(description="领导小组办公室的成员（主任、工作人员）")


class CandidateOut(Schema):
    id: int
    real_name: str
    unit: str


class GroupOut(Schema):
    unit: GroupUnitOut
    name: str
    office_name: str
    established_on: str | None = Field(description="成立日期 YYYY-MM-DD；未登记为空")
    members: list[GroupMemberOut]
    can_edit: bool = Field(description="本账号能否增减成员")
    candidates: list[CandidateOut] = Field(description="可增加为成员的人员（能维护时才列出）")


class GroupShownOut(Schema):
    group: GroupOut | None = Field(description="所看的领导小组；本单位没有时为空，见 groups")
    groups: list[GroupUnitOut] = Field(
        description="本单位没有领导小组时，可查看的各单位领导小组（以 unit_id 查询其一）"
    )


class GroupQuery(Schema):
    unit_id: int | None = Field(None, description="单位；不填为本账号所在单位的领导小组")


class GroupMemberIn(Schema):
    user_id: int
    group_role: Annotated[str, OneOf(GroupMembership, "group_role")]
    title: str = Field("", max_length=100, description="本职；留空则取其职务")


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def _member(membership: GroupMembership) -> GroupMemberOut:
    return GroupMemberOut(
        id=membership.pk,
        user_id=membership.user_id,
        real_name=membership.user.real_name,
        unit=membership.user.unit.name if membership.user.unit else "",
        group_role=membership.group_role,
        group_role_label=membership.get_group_role_display(),
        title=membership.title,
        is_office=membership.is_office,
    )


def _group(viewer: User, group: LeadingGroup) -> GroupOut:
    can_edit = can_edit_group(viewer, group)
    candidates = queries.list_group_candidates(group=group) if can_edit else User.objects.none()
    return GroupOut(
        unit=GroupUnitOut(id=group.unit.pk, name=group.unit.name),
        name=group.name,
        office_name=group.office_name,
        established_on=group.established_on.isoformat() if group.established_on else None,
        members=[_member(row) for row in queries.list_group_memberships(group=group)],
        can_edit=can_edit,
        candidates=[
            CandidateOut(
                id=user.pk, real_name=user.real_name, unit=user.unit.name if user.unit else ""
            )
            for user in candidates.select_related("unit")
        ],
    )


@router.get("", response={200: GroupShownOut, **ERRORS}, summary="领导小组")
def get_group(request: HttpRequest, query: Query[GroupQuery]) -> GroupShownOut:
    """The page's roster: leaders and the office, in the page's order."""
    viewer = _user(request)
    shown = queries.group_to_show(viewer=viewer, unit_id=query.unit_id)
    if isinstance(shown, list):
        return GroupShownOut(
            group=None,
            groups=[GroupUnitOut(id=group.unit.pk, name=group.unit.name) for group in shown],
        )
    return GroupShownOut(group=_group(viewer, shown), groups=[])


@router.post("/members", response={201: GroupOut, **ERRORS}, summary="增加领导小组成员")
def add_member(request: HttpRequest, payload: GroupMemberIn) -> Status[GroupOut]:
    actor = _user(request)
    group = get_editable_group(actor)
    # The page's form over the page's candidates: a person outside them is refused by name.
    form = GroupMemberForm(
        data={"user": payload.user_id, "group_role": payload.group_role, "title": payload.title},
        candidates=queries.list_group_candidates(group=group),
    )
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        raise ServiceError(str(errors[0]), field="user_id" if field == "user" else field)
    services.add_group_member(
        actor=actor,
        group=group,
        user=form.cleaned_data["user"],
        group_role=form.cleaned_data["group_role"],
        title=form.cleaned_data["title"],
        ip_address=client_ip(request),
    )
    return Status(201, _group(actor, group))


@router.post(
    "/members/{int:membership_id}/remove",
    response={200: GroupOut, **ERRORS},
    summary="移除领导小组成员",
)
def remove_member(request: HttpRequest, membership_id: int) -> GroupOut:
    actor = _user(request)
    membership = get_editable_membership(actor, membership_id)
    group = membership.group
    services.remove_group_member(actor=actor, membership=membership, ip_address=client_ip(request))
    return _group(actor, group)
