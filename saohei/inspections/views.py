from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from saohei.common.access import role_required, user_has_any_role
from saohei.common.errors import ServiceError
from saohei.common.forms import SearchForm
from saohei.common.http import client_ip, stored_file_download
from saohei.common.roles import Role
from saohei.common.thumbnails import thumbnail_response, wants_thumbnail
from saohei.common.uploads import check_uploads
from saohei.common.validation import parse_id
from saohei.inspections import access, queries, services
from saohei.inspections.documents import onsite_docx, onsite_pdf
from saohei.inspections.forms import (
    ChecklistForm,
    FindingEditForm,
    FindingForm,
    FolderForm,
    RoundForm,
)
from saohei.inspections.models import ArchiveFolder, Finding, InspectionRound
from saohei.organisations.http import AuthenticatedHttpRequest
from saohei.organisations.models import Unit, User
from saohei.organisations.queries import OFFICE_ROLES, is_office_member, list_office_towns

READ_ROLES = (
    Role.LEADER,
    Role.DEPUTY_LEADER,
    Role.OFFICE_STAFF,
    Role.VILLAGE_HEAD,
    Role.SUPERVISOR,
)
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _attachment(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@role_required(*READ_ROLES)
def round_list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    search_form, text = SearchForm.read(request.GET, placeholder="检查名称、部署单位、村居、检查人")
    rounds = access.visible_rounds(user)
    context = {
        "rounds": (
            rounds.none() if search_form.is_refused else queries.search_rounds(rounds, text)
        ).prefetch_related("villages"),
        "search_form": search_form,
        "keep": [],
        "query": text,
        "is_office": bool(list_office_towns(user)),
        "villages": access.headed_villages(user),
    }
    return render(request, "inspections/round_list.html", context)


@role_required(*OFFICE_ROLES)
def round_create_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    towns = list_office_towns(user)
    if not towns:
        raise PermissionDenied("您不能登记档案检查")
    town = towns[0]
    form = RoundForm(request.POST or None, town=town)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            inspection = services.create_round(
                actor=user,
                unit=town,
                data=services.RoundInput(
                    title=data["title"],
                    deployed_by=data["deployed_by"],
                    inspected_on=data["inspected_on"],
                    inspectors=list(data["inspectors"]),
                    villages=list(data["villages"]),
                    working_days=data["working_days"],
                ),
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "档案检查已登记。")
            return redirect("inspections:detail", round_id=inspection.pk)
    return render(request, "inspections/round_form.html", {"form": form, "town": town})


@role_required(*READ_ROLES)
def round_detail_view(request: AuthenticatedHttpRequest, round_id: int) -> HttpResponse:
    user = request.user
    inspection = access.get_round_for_user(user, round_id)
    villages = access.visible_villages(user, inspection)
    is_office = is_office_member(user, inspection.unit)
    context = {
        "inspection": inspection,
        "villages": villages,
        "findings": _findings_for_page(user, inspection),
        "is_office": is_office,
        "form": FindingForm(villages=villages) if is_office else None,
    }
    return render(request, "inspections/round_detail.html", context)


def _findings_for_page(user: User, inspection: InspectionRound) -> QuerySet[Finding]:
    return (
        access.visible_findings(user, inspection)
        .select_related("village", "folder", "rectification_item", "edited_by")
        .prefetch_related("photos")
    )


@require_POST
@role_required(*OFFICE_ROLES)
def finding_create_view(request: AuthenticatedHttpRequest, round_id: int) -> HttpResponse:
    user = request.user
    inspection = access.get_round_for_user(user, round_id)
    villages = access.visible_villages(user, inspection)
    form = FindingForm(request.POST, villages=villages)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.record_finding(
                actor=user,
                inspection=inspection,
                village=data["village"],
                folder=data["folder"],
                result=data["result"],
                note=data["note"],
                photos=check_uploads(request.FILES.getlist("photos"), field="photos"),
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "检查结果已登记。")
            return redirect("inspections:detail", round_id=inspection.pk)
    context = {
        "inspection": inspection,
        "villages": villages,
        "findings": _findings_for_page(user, inspection),
        "is_office": True,
        "form": form,
    }
    return render(request, "inspections/round_detail.html", context, status=400)


@role_required(*OFFICE_ROLES)
def checklist_view(
    request: AuthenticatedHttpRequest, round_id: int, village_id: int
) -> HttpResponse:
    """检查清单: a village's whole checklist on one page, 合格 by default, one submit."""
    user = request.user
    inspection = access.get_round_for_user(user, round_id)
    if not is_office_member(user, inspection.unit):
        raise PermissionDenied("只有本镇扫黑办工作人员或领导小组成员可以登记检查结果")
    village = access.get_village_for_user(user, inspection, village_id)
    folders = queries.list_folders_to_record(inspection, village)
    form = ChecklistForm(request.POST or None, request.FILES or None, folders=folders)
    if (
        request.method == "POST"
        and form.is_valid()
        and _record_checklist(user, inspection, village, form)
    ):
        messages.success(request, f"{village.name}的检查清单已登记（{len(folders)} 项）。")
        return redirect("inspections:detail", round_id=inspection.pk)
    context = {
        "inspection": inspection,
        "village": village,
        "form": form,
        "recorded": _findings_for_page(user, inspection).filter(village=village),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "inspections/checklist.html", context, status=status)


def _record_checklist(
    user: User, inspection: InspectionRound, village: Unit, form: ChecklistForm
) -> bool:
    """Check every row's photos, then record the rows; errors go beside their row."""
    rows = []
    for folder in form.folders:
        photos_field = form.row_field("photos", folder)
        try:
            photos = check_uploads(form.cleaned_data[photos_field], field=photos_field)
        except ServiceError as error:
            form.add_error(photos_field, error.message)
            continue
        rows.append(
            services.ChecklistRow(
                folder=folder,
                result=form.cleaned_data[form.row_field("result", folder)],
                note=form.cleaned_data[form.row_field("note", folder)],
                photos=photos,
            )
        )
    if form.errors:
        form.add_error(None, "有照片未通过检查，本次未登记任何一项")
        return False
    try:
        services.record_checklist(actor=user, inspection=inspection, village=village, rows=rows)
    except services.ChecklistRefused as refused:
        for folder in form.folders:
            if folder.pk in refused.row_errors:
                field, message = refused.row_errors[folder.pk]
                form.add_error(form.row_field(field, folder), message)
        form.add_error(None, refused.message)
        return False
    except ServiceError as error:
        form.add_error(None, error.message)
        return False
    return True


@role_required(*OFFICE_ROLES)
def finding_edit_view(
    request: AuthenticatedHttpRequest, round_id: int, finding_id: int
) -> HttpResponse:
    """更正检查结果: result and note, or photos added; an item already opened is not rewritten."""
    user = request.user
    inspection = access.get_round_for_user(user, round_id)
    finding = access.get_finding_for_user(user, inspection, finding_id)
    if not is_office_member(user, inspection.unit):
        raise PermissionDenied("只有本镇扫黑办工作人员或领导小组成员可以修改检查结果")
    form = FindingEditForm(
        request.POST or None, initial={"result": finding.result, "note": finding.note}
    )
    if request.method == "POST" and form.is_valid():
        had_item = finding.rectification_item_id is not None
        try:
            services.edit_finding(
                actor=user,
                finding=finding,
                result=form.cleaned_data["result"],
                note=form.cleaned_data["note"],
                photos=check_uploads(request.FILES.getlist("photos"), field="photos"),
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            if had_item:
                messages.success(
                    request,
                    "检查结果已修改。已列入现场整改清单的整改事项内容未随之改写，"
                    "已通知责任人；如需调整整改要求，请在整改台账中办理。",
                )
            elif finding.rectification_item_id is not None:
                messages.success(request, "检查结果已修改，该项已列入现场整改清单。")
            else:
                messages.success(request, "检查结果已修改。")
            return redirect("inspections:detail", round_id=inspection.pk)
    context = {"inspection": inspection, "finding": finding, "form": form}
    return render(
        request,
        "inspections/finding_edit.html",
        context,
        status=400 if request.method == "POST" else 200,
    )


@role_required(*READ_ROLES)
def onsite_view(request: AuthenticatedHttpRequest, round_id: int, village_id: int) -> HttpResponse:
    user = request.user
    inspection = access.get_round_for_user(user, round_id)
    village = access.get_village_for_user(user, inspection, village_id)
    onsite = queries.onsite_list(inspection, village)
    return render(
        request,
        "inspections/onsite.html",
        {"onsite": onsite, "inspection": inspection, "village": village},
    )


@role_required(*READ_ROLES)
def onsite_download_view(
    request: AuthenticatedHttpRequest, round_id: int, village_id: int, file_format: str
) -> HttpResponse:
    if file_format not in ("docx", "pdf"):
        raise Http404("不支持的格式")
    user = request.user
    inspection = access.get_round_for_user(user, round_id)
    village = access.get_village_for_user(user, inspection, village_id)
    onsite = queries.onsite_list(inspection, village)
    services.record_onsite_list_printed(
        actor=user, inspection=inspection, village=village, file_format=file_format
    )
    exported_by = user.real_name or user.username
    if file_format == "docx":
        document = onsite_docx(onsite, exported_by=exported_by)
        return _attachment(document, f"{onsite.title}.docx", DOCX_TYPE)
    pdf = onsite_pdf(onsite, exported_by=exported_by)
    return _attachment(pdf, f"{onsite.title}.pdf", "application/pdf")


@login_required
def photo_view(request: AuthenticatedHttpRequest, round_id: int, photo_id: int) -> FileResponse:
    user = request.user
    if not user_has_any_role(user, READ_ROLES):
        raise PermissionDenied("您没有查看检查照片的权限")
    inspection = access.get_round_for_user(user, round_id)
    finding = access.visible_findings(user, inspection).filter(photos__pk=photo_id).first()
    if finding is None:
        raise Http404("照片不存在")
    photo = finding.photos.get(pk=photo_id)
    if wants_thumbnail(request):
        return thumbnail_response(photo.file, photo.content_type)
    services.record_photo_downloaded(
        actor=user, inspection=inspection, photo=photo, ip_address=client_ip(request)
    )
    return stored_file_download(
        photo.file, filename=photo.original_name, content_type=photo.content_type
    )


@role_required(*READ_ROLES)
def village_status_view(request: AuthenticatedHttpRequest, village_id: int) -> HttpResponse:
    village = access.village_for_status(request.user, village_id)
    folders, rows = queries.village_status(village)
    return render(
        request,
        "inspections/village_status.html",
        {"village": village, "folders": folders, "rows": rows},
    )


@role_required(*OFFICE_ROLES)
def folder_list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The checklist: every folder with its order and whether it is used in new findings."""
    user = request.user
    access.require_checklist_editor(user)
    folder = None
    folder_id = request.POST.get("folder_id", "") or request.GET.get("edit", "")
    if folder_id:
        folder = ArchiveFolder.objects.filter(pk=parse_id(folder_id) or 0).first()
        if folder is None:
            raise Http404("档案类别不存在")
    initial: dict[str, object] = {"sort_order": 100, "is_active": True}
    if folder is not None:
        initial = {
            "name": folder.name,
            "sort_order": folder.sort_order,
            "is_active": folder.is_active,
        }
    form = FolderForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_folder(
                actor=user,
                folder=folder,
                name=form.cleaned_data["name"],
                sort_order=form.cleaned_data["sort_order"],
                is_active=form.cleaned_data["is_active"],
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "档案检查项目已保存。")
            return redirect("inspections:folders")
    context = {"folders": ArchiveFolder.objects.all(), "form": form, "editing": folder}
    return render(
        request,
        "inspections/folders.html",
        context,
        status=400 if request.method == "POST" else 200,
    )
