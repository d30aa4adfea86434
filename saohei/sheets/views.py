"""来文表格对照: the column and value mappings saved per sender, seen and corrected by whoever
may import that kind for that town (decision 0065 addendum)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from saohei.common.access import role_required
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.common.validation import parse_id, safe_text
from saohei.organisations.http import AuthenticatedHttpRequest
from saohei.sheets import access, services
from saohei.sheets.forms import AddColumnForm, ColumnsForm, ValuesForm
from saohei.sheets.kinds import MAPPED_KINDS
from saohei.sheets.models import SenderMapping
from saohei.sheets.registry import RegisteredKind, registered_kind


def _kinds_or_403(request: AuthenticatedHttpRequest) -> list[RegisteredKind]:
    kinds = access.manageable_kinds(request.user)
    if not kinds:
        raise PermissionDenied("您没有可管理来文表格对照的镇（街道）")
    return kinds


@role_required(*access.MAPPING_ROLES)
def mappings_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every saved mapping the user may manage, by town and sender; a column added by name."""
    user = request.user
    kinds = _kinds_or_403(request)
    towns = access.mapping_towns(user).order_by("path")
    # Linked from a refused import: the form starts on its town and sender.
    town = parse_id(request.GET.get("unit"))
    form = AddColumnForm(
        request.POST or None,
        towns=towns,
        kinds=[registered for registered in kinds if registered.has_columns],
        initial={
            "unit": towns.filter(pk=town).first() if town is not None else None,
            "sender": safe_text(request.GET.get("sender"), limit=100),
        },
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            kind, field_key = form.kind_and_field()
            try:
                mapping = services.add_column(
                    actor=user,
                    unit=form.cleaned_data["unit"],
                    kind=kind,
                    sender=form.cleaned_data["sender"],
                    title=form.cleaned_data["title"],
                    field_key=field_key,
                )
            except ActionNotAllowed as error:
                raise PermissionDenied(error.message) from error
            except ServiceError as error:
                form.add_service_error(error)
            else:
                messages.success(request, "已保存列对照，该来文单位下次导入时按此读取。")
                return redirect("sheets:mapping", mapping_id=mapping.pk)
        status = 400
    labels = {registered.kind.key: registered.kind.label for registered in kinds}
    mappings = [
        (
            mapping,
            labels.get(mapping.kind, mapping.kind),
            len(mapping.columns or {}),
            sum(len(words) for words in (mapping.values or {}).values()),
        )
        for mapping in access.visible_mappings(user)
        .select_related("unit", "updated_by")
        .order_by("unit__path", "sender", "kind")
    ]
    return render(
        request, "sheets/mappings.html", {"mappings": mappings, "form": form}, status=status
    )


def _kind_of(mapping: SenderMapping) -> RegisteredKind:
    registered = registered_kind(mapping.kind)
    # visible_mappings lists registered kinds only.
    assert registered is not None
    return registered


def _forms(
    request: AuthenticatedHttpRequest, mapping: SenderMapping, *, bound: str = ""
) -> tuple[ColumnsForm, ValuesForm]:
    kind = _kind_of(mapping).kind
    # A field key no longer declared is ignored by the import (0061), and not shown here.
    mapped = {target.key for target in kind.fields if target.kind in MAPPED_KINDS}
    options = {
        key: services.allowed_values(mapping.unit, kind, key)
        for key in (mapping.values or {})
        if key in mapped
    }
    data = request.POST if request.method == "POST" else None
    columns = ColumnsForm(
        data if bound == "columns" else None, columns=dict(mapping.columns or {}), kind=kind
    )
    values = ValuesForm(
        data if bound == "values" else None,
        values={key: dict(words) for key, words in (mapping.values or {}).items()},
        kind=kind,
        options=options,
    )
    return columns, values


def _render(
    request: AuthenticatedHttpRequest,
    mapping: SenderMapping,
    forms: tuple[ColumnsForm, ValuesForm],
    *,
    status: int = 200,
) -> HttpResponse:
    columns, values = forms
    return render(
        request,
        "sheets/mapping.html",
        {
            "mapping": mapping,
            "kind": _kind_of(mapping).kind,
            "columns_form": columns,
            "values_form": values,
        },
        status=status,
    )


@role_required(*access.MAPPING_ROLES)
def mapping_view(request: AuthenticatedHttpRequest, mapping_id: int) -> HttpResponse:
    """One sender's saved mapping of one kind: correct a column or a word (action=columns or
    values)."""
    user = request.user
    mapping = access.get_mapping_for_user(user, mapping_id)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if action not in ("", "columns", "values"):
        action = ""
    forms = _forms(request, mapping, bound=action)
    if not action:
        return _render(request, mapping, forms)
    form = forms[0] if action == "columns" else forms[1]
    if form.is_valid():
        try:
            if isinstance(form, ColumnsForm):
                services.correct_columns(actor=user, mapping=mapping, columns=form.chosen())
            else:
                services.correct_values(actor=user, mapping=mapping, values=form.chosen())
        except ActionNotAllowed as error:
            raise PermissionDenied(error.message) from error
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "已更正对照，该来文单位下次导入时按此读取。")
            return redirect("sheets:mapping", mapping_id=mapping.pk)
    return _render(request, mapping, forms, status=400)


@require_POST
@role_required(*access.MAPPING_ROLES)
def mapping_delete_view(request: AuthenticatedHttpRequest, mapping_id: int) -> HttpResponse:
    mapping = access.get_mapping_for_user(request.user, mapping_id)
    try:
        services.delete_mapping(actor=request.user, mapping=mapping)
    except ActionNotAllowed as error:
        raise PermissionDenied(error.message) from error
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect("sheets:mappings")
    messages.success(
        request, f"已删除“{mapping.sender}”的对照；该来文单位下次导入时重新按列名猜测。"
    )
    return redirect("sheets:mappings")
