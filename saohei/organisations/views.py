from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from saohei.common.access import role_required
from saohei.common.errors import ServiceError
from saohei.common.forms import StyledForm
from saohei.common.http import client_ip
from saohei.common.roles import Role
from saohei.common.validation import parse_id, safe_text
from saohei.common.views import place_bound_form, submit_action_form
from saohei.organisations import queries, services
from saohei.organisations.access import (
    can_edit_group,
    get_editable_group,
    get_editable_membership,
    get_managed_account,
    get_managed_unit,
    managed_units,
)
from saohei.organisations.forms import (
    AccountCreateForm,
    AccountForm,
    GroupMemberForm,
    RoleGrantForm,
    UnitCreateForm,
    UnitEditForm,
)
from saohei.organisations.http import AuthenticatedHttpRequest
from saohei.organisations.models import LeadingGroup, User

ACCOUNT_ADMIN_ROLES = (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN)


def _admin_role(user: User) -> Role:
    return Role.SYSTEM_ADMIN if user.has_role(Role.SYSTEM_ADMIN) else Role.SECURITY_ADMIN


@role_required(Role.SYSTEM_ADMIN)
def unit_list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    units = queries.list_managed_units(viewer=request.user, role=Role.SYSTEM_ADMIN)
    return render(request, "organisations/unit_list.html", {"units": units})


@role_required(Role.SYSTEM_ADMIN)
def unit_create_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    actor = request.user
    form = UnitCreateForm(request.POST or None, parents=managed_units(actor, Role.SYSTEM_ADMIN))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            unit = services.create_unit(
                actor=actor,
                data=services.UnitInput(
                    name=data["name"],
                    kind=data["kind"],
                    parent=data["parent"],
                    code=data["code"],
                    sort_order=data["sort_order"],
                ),
                ip_address=client_ip(request),
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, f"已新建单位“{unit.name}”。")
            return redirect("organisations:unit_list")
    return render(request, "organisations/unit_form.html", {"form": form, "title": "新建单位"})


@role_required(Role.SYSTEM_ADMIN)
def unit_edit_view(request: AuthenticatedHttpRequest, unit_id: int) -> HttpResponse:
    actor = request.user
    unit = get_managed_unit(actor, unit_id, Role.SYSTEM_ADMIN)
    initial = {
        "name": unit.name,
        "code": unit.code,
        "sort_order": unit.sort_order,
        "is_active": unit.is_active,
    }
    form = UnitEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_unit(
                actor=actor,
                unit=unit,
                data=services.UnitEditInput(
                    name=data["name"],
                    code=data["code"],
                    sort_order=data["sort_order"],
                    is_active=data["is_active"],
                ),
                ip_address=client_ip(request),
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, f"已保存单位“{unit.name}”。")
            return redirect("organisations:unit_list")
    return render(
        request, "organisations/unit_form.html", {"form": form, "title": f"修改单位：{unit.name}"}
    )


@role_required(*ACCOUNT_ADMIN_ROLES)
def account_list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    viewer = request.user
    role = _admin_role(viewer)
    unit_id = request.GET.get("unit", "")
    text = safe_text(request.GET.get("q"), limit=50)
    accounts = queries.list_managed_accounts(
        viewer=viewer, role=role, unit_id=parse_id(unit_id), text=text
    )
    page = Paginator(accounts, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "organisations/account_list.html",
        {
            "page": page,
            "units": queries.list_managed_units(viewer=viewer, role=role),
            "selected_unit": unit_id,
            "text": text,
            "can_create": role == Role.SYSTEM_ADMIN,
        },
    )


@never_cache
@role_required(Role.SYSTEM_ADMIN)
def account_create_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    actor = request.user
    form = AccountCreateForm(request.POST or None, units=managed_units(actor, Role.SYSTEM_ADMIN))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            credential = services.create_account(
                actor=actor,
                data=services.AccountInput(
                    username=data["username"],
                    real_name=data["real_name"],
                    unit=data["unit"],
                    position=data["position"],
                    phone=data["phone"],
                ),
                ip_address=client_ip(request),
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            # Rendered, not redirected: the one-time password exists only in this response.
            return render(request, "organisations/account_created.html", {"credential": credential})
    return render(request, "organisations/account_form.html", {"form": form, "title": "新建账号"})


@role_required(*ACCOUNT_ADMIN_ROLES)
def account_detail_view(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    viewer = request.user
    account = get_managed_account(viewer, user_id, _admin_role(viewer))
    return account_detail_page(request, viewer, account)


def account_detail_page(
    request: HttpRequest,
    viewer: User,
    account: User,
    *,
    bound_form: tuple[str, StyledForm] | None = None,
) -> HttpResponse:
    """The account with the forms the viewer may submit; `bound_form` is the one just refused,
    as (context name, form), shown with what was typed and its errors (accounts' password
    reset request is refused onto this page too)."""
    role = _admin_role(viewer)
    context: dict[str, Any] = {
        "account": account,
        "grants": account.role_grants.select_related("unit", "granted_by"),
        "is_system_admin": role == Role.SYSTEM_ADMIN,
        "is_security_admin": role == Role.SECURITY_ADMIN,
        "grant_form": RoleGrantForm(units=managed_units(viewer, Role.SECURITY_ADMIN)),
    }
    if role == Role.SYSTEM_ADMIN:
        # Laid out by hand in the template; only a refused request puts a bound form here.
        context["reset_form"] = None
    place_bound_form(request, context, bound_form)
    return render(request, "organisations/account_detail.html", context)


@role_required(Role.SYSTEM_ADMIN)
def account_edit_view(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    actor = request.user
    account = get_managed_account(actor, user_id, Role.SYSTEM_ADMIN)
    initial = {
        "real_name": account.real_name,
        "position": account.position,
        "phone": account.phone,
        "unit": account.unit,
    }
    form = AccountForm(
        request.POST or None, initial=initial, units=managed_units(actor, Role.SYSTEM_ADMIN)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_account(
                actor=actor,
                user=account,
                data=services.AccountEditInput(
                    real_name=data["real_name"],
                    position=data["position"],
                    phone=data["phone"],
                    unit=data["unit"],
                ),
                ip_address=client_ip(request),
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "账号信息已保存。")
            return redirect("organisations:account_detail", user_id=account.pk)
    return render(
        request, "organisations/account_form.html", {"form": form, "title": f"修改账号：{account}"}
    )


@require_POST
@role_required(Role.SYSTEM_ADMIN)
def account_set_active_view(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    actor = request.user
    account = get_managed_account(actor, user_id, Role.SYSTEM_ADMIN)
    is_active = request.POST.get("is_active") == "1"
    try:
        services.set_account_active(
            actor=actor, user=account, is_active=is_active, ip_address=client_ip(request)
        )
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "账号已启用。" if is_active else "账号已停用。")
    return redirect("organisations:account_detail", user_id=account.pk)


@require_POST
@role_required(Role.SECURITY_ADMIN)
def role_grant_view(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    actor = request.user
    account = get_managed_account(actor, user_id, Role.SECURITY_ADMIN)

    def perform(data: dict[str, Any]) -> HttpResponse:
        role = Role(data["role"])
        services.grant_role(
            actor=actor, user=account, role=role, unit=data["unit"], ip_address=client_ip(request)
        )
        messages.success(request, f"已授予“{role.label}”。")
        return redirect("organisations:account_detail", user_id=account.pk)

    return submit_action_form(
        request,
        RoleGrantForm(request.POST, units=managed_units(actor, Role.SECURITY_ADMIN)),
        perform=perform,
        render_page=lambda form: account_detail_page(
            request, actor, account, bound_form=("grant_form", form)
        ),
    )


@require_POST
@role_required(Role.SECURITY_ADMIN)
def role_revoke_view(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    actor = request.user
    account = get_managed_account(actor, user_id, Role.SECURITY_ADMIN)
    role_value = request.POST.get("role", "")
    if role_value not in Role.values:
        messages.error(request, "角色不存在。")
    else:
        try:
            services.revoke_role(
                actor=actor, user=account, role=Role(role_value), ip_address=client_ip(request)
            )
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"已撤销“{Role(role_value).label}”。")
    return redirect("organisations:account_detail", user_id=account.pk)


@login_required
def group_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    viewer = request.user
    unit_id = request.GET.get("unit", "")
    wanted = parse_id(unit_id) if unit_id else None
    if unit_id and wanted is None:
        raise Http404("单位不存在")
    shown = queries.group_to_show(viewer=viewer, unit_id=wanted)
    if isinstance(shown, list):
        return render(request, "organisations/group_choice.html", {"groups": shown})
    return _group_page(request, viewer, shown)


def _group_page(
    request: HttpRequest,
    viewer: User,
    group: LeadingGroup,
    *,
    bound_form: tuple[str, StyledForm] | None = None,
) -> HttpResponse:
    can_edit = can_edit_group(viewer, group)
    memberships = list(queries.list_group_memberships(group=group))
    context = {
        "group": group,
        "leaders": [m for m in memberships if not m.is_office],
        "office": [m for m in memberships if m.is_office],
        "can_edit": can_edit,
        "form": GroupMemberForm(candidates=queries.list_group_candidates(group=group))
        if can_edit
        else None,
    }
    place_bound_form(request, context, bound_form)
    return render(request, "organisations/group.html", context)


@require_POST
@login_required
def group_member_add_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    actor = request.user
    group = get_editable_group(actor)

    def perform(data: dict[str, Any]) -> HttpResponse:
        services.add_group_member(
            actor=actor,
            group=group,
            user=data["user"],
            group_role=data["group_role"],
            title=data["title"],
            ip_address=client_ip(request),
        )
        messages.success(request, "已增加成员。")
        return redirect("organisations:group")

    return submit_action_form(
        request,
        GroupMemberForm(request.POST, candidates=queries.list_group_candidates(group=group)),
        perform=perform,
        render_page=lambda form: _group_page(request, actor, group, bound_form=("form", form)),
    )


@require_POST
@login_required
def group_member_remove_view(request: AuthenticatedHttpRequest, membership_id: int) -> HttpResponse:
    actor = request.user
    membership = get_editable_membership(actor, membership_id)
    services.remove_group_member(actor=actor, membership=membership, ip_address=client_ip(request))
    messages.success(request, "已移除成员。")
    return redirect("organisations:group")
