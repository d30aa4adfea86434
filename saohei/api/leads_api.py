"""/api/v1/leads — 线索. Same access rules as the pages (the context's access module).

Endpoints fetch through `access`, call one service with the token's account as the actor and
answer with the lead; the services check role and state and write their audit events. A lead
the account may not see is 404, a refused action 403, a refused input 400 (see api.py).
"""

import json
from collections.abc import Callable
from datetime import datetime
from typing import IO, Annotated

from django.db.models import Prefetch, prefetch_related_objects
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.errors import ValidationError
from ninja.files import UploadedFile
from pydantic import ValidationError as PydanticValidationError

from saohei.api.downloads import ANY_FILE, binary_200, download
from saohei.api.ids import all_of, one_of
from saohei.api.lead_schemas import (
    AssignIn,
    EntryRef,
    EventOut,
    FeedbackIn,
    FeedbackOut,
    FollowUpIn,
    FollowUpOut,
    InstructionIn,
    InstructionOut,
    InvestigationIn,
    InvestigationOut,
    LeadAttachmentOut,
    LeadDetailOut,
    LeadFilterQuery,
    LeadIn,
    LeadListQuery,
    LeadPageOut,
    LeadRegistrationIn,
    LeadSummaryOut,
    PersonRef,
    ProposeIn,
    ReopenIn,
    SignOffIn,
    SubjectEditIn,
    SubjectIn,
    SubjectOut,
    SubjectRemoveIn,
    TriageIn,
    UnitRef,
)
from saohei.api.schemas import ErrorResponse, EvidenceOut, OneOf, Shown
from saohei.api.uploads import checked_files
from saohei.api.versions import edit_version
from saohei.common.access import user_has_any_role
from saohei.common.dates import DeadlineDay, EventDay, PeriodDay, ShownDay, ShownMoment
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.common.http import (
    XLSX_TYPE,
    client_ip,
    stamped_name,
    stored_file_download,
    streamed_download,
)
from saohei.common.plates import MAX_PLATES
from saohei.common.uploads import CheckedUpload
from saohei.common.validation import find_unsafe_value
from saohei.leads import access, queries, services, settings_services, stats
from saohei.leads.downloads import (
    DOCX_TYPE,
    feedback_document,
    list_filter_form,
    write_lead_ledger,
)
from saohei.leads.models import (
    Attachment,
    DictionaryEntry,
    DictionaryKind,
    Lead,
    Source,
    SourceTimeLimit,
    Subject,
)
from saohei.leads.queries import time_limit_for
from saohei.organisations.models import Unit, UnitKind, User
from saohei.organisations.queries import OFFICE_ROLES

router = Router(tags=["线索"])

ERRORS = {
    400: ErrorResponse,
    401: ErrorResponse,
    403: ErrorResponse,
    404: ErrorResponse,
    422: ErrorResponse,
}


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def _unit(unit: Unit | None) -> UnitRef | None:
    return UnitRef(id=unit.pk, name=unit.name) if unit is not None else None


def _person(user: User | None) -> PersonRef | None:
    return PersonRef(id=user.pk, real_name=user.real_name) if user is not None else None


def _subject(subject: Subject) -> SubjectOut:
    return SubjectOut(
        id=subject.pk,
        name=subject.name,
        alias=subject.alias,
        role=subject.role,
        role_label=subject.get_role_display(),
        position=subject.position,
        id_number_masked=subject.id_number_masked,
        phone_masked=subject.phone_masked,
        plates=[plate.number for plate in subject.plates.all()],
        village=_unit(subject.village),
        version=subject.version,
    )


def _summary_fields(lead: Lead, due_state: str) -> dict[str, object]:
    return {
        "id": lead.pk,
        "number": lead.number,
        "unit": _unit(lead.unit),
        "received_at": lead.received_at,
        "channel": lead.channel,
        "channel_label": lead.get_channel_display(),
        "source": lead.source,
        "source_label": lead.get_source_display(),
        "status": lead.status,
        "status_label": lead.get_status_display(),
        "village": _unit(lead.village),
        "target_category": (
            EntryRef(id=lead.target_category.pk, name=lead.target_category.name)
            if lead.target_category
            else None
        ),
        "summary": lead.summary,
        "involves_official": lead.involves_official,
        "handling_unit": _unit(lead.handling_unit),
        "handler": _person(lead.handler),
        "police_unit": _unit(lead.police_unit),
        "assigned_at": lead.assigned_at,
        "due_on": lead.due_on,
        "due_state": due_state,
        "conclusion": lead.conclusion,
        "conclusion_label": lead.get_conclusion_display() if lead.conclusion else "",
        "concluded_at": lead.concluded_at,
        "subjects": [_subject(subject) for subject in lead.subjects.all()],
    }


def _detail(lead: Lead) -> LeadDetailOut:
    today = timezone.localdate()
    due_state = queries.due_state(lead, today=today, threshold=queries.amber_threshold(today))
    return LeadDetailOut(
        **_summary_fields(lead, due_state),  # type: ignore[arg-type]
        narrative=lead.narrative,
        version=lead.version,
        place=lead.place,
        upstream_office=lead.upstream_office,
        upstream_reference=lead.upstream_reference,
        upstream_deadline=lead.upstream_deadline,
        offence_types=[EntryRef(id=e.pk, name=e.name) for e in lead.offence_types.all()],
        is_real_name_report=lead.is_real_name_report,
        triage_opinion=lead.triage_opinion,
        conclusion_basis=lead.conclusion_basis,
        proposed_at=lead.proposed_at,
        signed_off_by=_person(lead.signed_off_by),
        signed_off_at=lead.signed_off_at,
        fed_back_at=lead.fed_back_at,
        followed_up_at=lead.followed_up_at,
        archived_at=lead.archived_at,
        merged_into=lead.merged_into.number if lead.merged_into else None,
        escalation_level=lead.escalation_level,
        events=[
            EventOut(
                kind=event.kind,
                kind_label=event.get_kind_display(),
                occurred_at=event.occurred_at,
                actor=_person(event.actor),
                actor_unit=_unit(event.actor_unit),
                from_status=event.from_status,
                to_status=event.to_status,
                note=event.note,
            )
            for event in lead.events.select_related("actor", "actor_unit")
        ],
        investigations=[
            InvestigationOut(
                id=entry.pk,
                occurred_on=entry.occurred_on,
                content=entry.content,
                author=_person(entry.author),  # type: ignore[arg-type]
                author_unit=_unit(entry.author_unit),
                created_at=entry.created_at,
                evidence=[
                    EvidenceOut(
                        id=file.pk,
                        original_name=file.original_name,
                        size=file.size,
                        sha256=file.sha256,
                    )
                    for file in entry.attachments.all()
                ],
            )
            for entry in lead.investigation_entries.select_related(
                "author", "author_unit"
            ).prefetch_related("attachments")
        ],
        instructions=[
            InstructionOut(
                id=instruction.pk,
                author=_person(instruction.author),  # type: ignore[arg-type]
                content=instruction.content,
                created_at=instruction.created_at,
                acknowledged_by=_person(instruction.acknowledged_by),
                acknowledged_at=instruction.acknowledged_at,
                answer=instruction.answer,
                answered_at=instruction.answered_at,
            )
            for instruction in lead.instructions.select_related("author", "acknowledged_by")
        ],
        feedbacks=[
            FeedbackOut(
                id=feedback.pk,
                fed_back_on=feedback.fed_back_on,
                recipient=feedback.recipient,
                content=feedback.content,
            )
            for feedback in lead.feedbacks.all()
        ],
        follow_ups=[
            FollowUpOut(
                id=follow_up.pk,
                contacted_on=follow_up.contacted_on,
                method=follow_up.method,
                satisfaction=follow_up.satisfaction,
                satisfaction_label=follow_up.get_satisfaction_display(),
            )
            for follow_up in lead.follow_ups.order_by("contacted_on", "id")
        ],
    )


@router.get("", response={200: LeadPageOut, **ERRORS}, summary="线索列表")
def list_leads(request: HttpRequest, filters: Query[LeadListQuery]) -> LeadPageOut:
    """The leads the account may see, newest first, 50 a page; `next`/`previous` are cursors."""
    leads = queries.filter_leads(
        _user(request),
        queries.LeadFilters(
            status=filters.status,
            source=filters.source,
            village_id=filters.village_id,
            category_id=filters.category_id,
            due_state=filters.due_state,
            date_from=filters.date_from,
            date_to=filters.date_to,
            text=filters.q,
        ),
    ).select_related("unit", "police_unit")
    page = queries.page_of_leads(leads, after=filters.after, before=filters.before)
    prefetch_related_objects(
        page.leads,
        Prefetch(
            "subjects",
            queryset=Subject.objects.select_related("village").prefetch_related("plates"),
        ),
    )
    today = timezone.localdate()
    threshold = queries.amber_threshold(today)
    return LeadPageOut(
        items=[
            LeadSummaryOut(
                **_summary_fields(  # type: ignore[arg-type]
                    lead, queries.due_state(lead, today=today, threshold=threshold)
                )
            )
            for lead in page.leads
        ],
        next=page.next_cursor or None,
        previous=page.previous_cursor or None,
    )


# The API's filter names and the page form's fields they fill.
_FORM_FIELDS = {
    "status": "status",
    "source": "source",
    "village_id": "village",
    "category_id": "category",
    "due_state": "due",
    "date_from": "date_from",
    "date_to": "date_to",
    "q": "q",
}


@router.get(
    "/export",
    response=ERRORS,
    summary="导出线索台账",
    openapi_extra=binary_200(XLSX_TYPE, "线索台账（.xlsx），与列表页“导出”相同"),
)
def export_leads(request: HttpRequest, filters: Query[LeadFilterQuery]) -> FileResponse:
    """The page's 线索台账 of what the account's list shows with the same filters, validated by
    the page's filter form (a village outside the account's scope is a 400); audited."""
    user = _user(request)
    data = {
        field: str(value)
        for name, field in _FORM_FIELDS.items()
        if (value := getattr(filters, name)) not in ("", None)
    }
    form, lead_filters = list_filter_form(user, data)
    if lead_filters is None:
        field, errors = next(iter(form.errors.items()))
        names = {form_field: name for name, form_field in _FORM_FIELDS.items()}
        raise ServiceError(f"筛选条件有误：{errors[0]}", field=names.get(field, field))
    ip_address = client_ip(request)

    def write(output: IO[bytes]) -> None:
        write_lead_ledger(
            output, actor=user, form=form, filters=lead_filters, ip_address=ip_address
        )

    return streamed_download(write, filename=stamped_name("线索台账"))


def _registrable_town(user: User, unit_id: int) -> Unit:
    town = next((town for town in access.registrable_towns(user) if town.pk == unit_id), None)
    if town is None:
        raise ActionNotAllowed("您不能为该单位登记线索")
    return town


def _aware(moment: datetime) -> datetime:
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _register(user: User, town: Unit, payload: LeadIn, attachments: list[CheckedUpload]) -> Lead:
    """The page's 登记: ids looked up within the town, then `register_lead`."""
    village_ids = {
        pk for pk in [payload.village_id, *(s.village_id for s in payload.subjects)] if pk
    }
    villages = {
        village.pk: village
        for village in Unit.objects.filter(parent=town, pk__in=village_ids).villages()
    }
    if payload.village_id is not None and payload.village_id not in villages:
        raise ServiceError("所属村不在本镇", field="village_id")
    if any(s.village_id is not None and s.village_id not in villages for s in payload.subjects):
        raise ServiceError("被反映人所属村不在本镇", field="subjects")
    category = None
    if payload.target_category_id is not None:
        category = one_of(
            DictionaryEntry.objects.filter(kind=DictionaryKind.TARGET_CATEGORY, is_active=True),
            payload.target_category_id,
            field="target_category_id",
            refusal="线索类别不存在",
        )
    offence_types = all_of(
        DictionaryEntry.objects.filter(kind=DictionaryKind.OFFENCE_TYPE, is_active=True),
        payload.offence_type_ids,
        field="offence_type_ids",
        refusal="涉嫌违法犯罪类型不存在",
    )
    lead = services.register_lead(
        actor=user,
        unit=town,
        data=services.LeadInput(
            received_at=_aware(payload.received_at),
            channel=payload.channel,
            source=payload.source,
            summary=payload.summary,
            narrative=payload.narrative,
            village=villages.get(payload.village_id) if payload.village_id else None,
            place=payload.place,
            target_category=category,
            offence_types=offence_types,
            involves_official=payload.involves_official,
            upstream_office=payload.upstream_office,
            upstream_reference=payload.upstream_reference,
            upstream_deadline=payload.upstream_deadline,
            subjects=[
                services.SubjectInput(
                    name=s.name,
                    alias=s.alias,
                    id_number=s.id_number,
                    phone=s.phone,
                    address=s.address,
                    village=villages.get(s.village_id) if s.village_id else None,
                    role=s.role,
                    position=s.position,
                    plates=s.plates,
                )
                for s in payload.subjects
            ],
            reporter=(
                services.ReporterInput(
                    name=payload.reporter.name,
                    phone=payload.reporter.phone,
                    id_number=payload.reporter.id_number,
                    address=payload.reporter.address,
                )
                if payload.reporter
                else None
            ),
            attachments=attachments,
        ),
    )
    return lead


@router.post("", response={201: LeadDetailOut, **ERRORS}, summary="登记线索")
def create_lead(request: HttpRequest, payload: LeadIn) -> Status[LeadDetailOut]:
    """登记 in a town the account works for; a reporter, if given, is sealed into the vault."""
    user = _user(request)
    town = _registrable_town(user, payload.unit_id)
    lead = _register(user, town, payload, [])
    return Status(201, _detail(access.get_lead_for_user(user, lead.pk)))


def _lead_fields(unit_id: int, text: str) -> LeadIn:
    """The `lead` part of a multipart registration: the JSON body of `POST /leads` (its
    `unit_id` is the form's), validated and checked for unsafe values like any other body."""
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise ValidationError([{"loc": ["form", "payload", "lead"], "msg": "应为 JSON 对象"}])
    try:
        payload = LeadIn.model_validate({**data, "unit_id": unit_id})
    except PydanticValidationError as refused:
        raise ValidationError(
            [
                {**error, "loc": ["form", "payload", "lead", *error["loc"]]}
                for error in refused.errors(include_url=False, include_context=True)
            ]
        ) from None
    found = find_unsafe_value(payload.model_dump(by_alias=True), "lead")
    if found:
        raise ValidationError([{"loc": [found[0]], "msg": found[1]}])
    return payload


@router.post(
    "/registrations",
    response={201: LeadDetailOut, 413: ErrorResponse, **ERRORS},
    summary="登记线索（附材料）",
)
def create_lead_with_attachments(
    request: HttpRequest,
    payload: Form[LeadRegistrationIn],
    attachments: File[list[UploadedFile]],
) -> Status[LeadDetailOut]:
    """multipart/form-data: `unit_id`, `lead` (the JSON body of `POST /leads` without
    `unit_id`) and one to ten `attachments` (images, PDF, Office documents, audio or video;
    20 MB each), read by their content as on the page's 登记 form (decision 0066)."""
    user = _user(request)
    town = _registrable_town(user, payload.unit_id)
    fields = _lead_fields(payload.unit_id, payload.lead)
    lead = _register(user, town, fields, checked_files(attachments, field="attachments"))
    return Status(201, _detail(access.get_lead_for_user(user, lead.pk)))


def _attachment_out(attachment: Attachment) -> LeadAttachmentOut:
    return LeadAttachmentOut(
        id=attachment.pk,
        original_name=attachment.original_name,
        content_type=attachment.content_type,
        size=attachment.size,
        sha256=attachment.sha256,
        entry_id=attachment.entry_id,
        uploaded_by=attachment.uploaded_by.real_name,
        uploaded_at=attachment.uploaded_at,
    )


@router.get(
    "/{int:lead_id}/attachments",
    response={200: list[LeadAttachmentOut], **ERRORS},
    summary="线索附件列表",
)
def list_attachments(request: HttpRequest, lead_id: int) -> list[LeadAttachmentOut]:
    """Files registered with the lead (`entry_id` null) and the evidence of its 核查 entries."""
    lead = access.get_lead_for_user(_user(request), lead_id)
    return [
        _attachment_out(attachment) for attachment in lead.attachments.select_related("uploaded_by")
    ]


@router.get(
    "/{int:lead_id}/attachments/{int:attachment_id}",
    response=ERRORS,
    summary="下载线索附件",
    openapi_extra=binary_200(ANY_FILE, "附件文件，类型为上传时按内容识别的类型"),
)
def download_attachment(request: HttpRequest, lead_id: int, attachment_id: int) -> FileResponse:
    """The page's download: the lead in sight (else 404), audited with the file's digest."""
    user = _user(request)
    lead = access.get_lead_for_user(user, lead_id)
    attachment = lead.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404("附件不存在")
    services.record_attachment_downloaded(
        actor=user,
        lead=lead,
        attachment_id=attachment.pk,
        sha256=attachment.sha256,
        ip_address=client_ip(request),
    )
    return stored_file_download(
        attachment.file, filename=attachment.original_name, content_type=attachment.content_type
    )


@router.get(
    "/{int:lead_id}/feedback/{int:feedback_id}.docx",
    response=ERRORS,
    summary="下载反馈报告",
    openapi_extra=binary_200(DOCX_TYPE, "反馈报告（.docx），与详情页下载的相同"),
)
def download_feedback(request: HttpRequest, lead_id: int, feedback_id: int) -> HttpResponse:
    """The page's 反馈报告: the office of the lead's town only (else 404), audited."""
    user = _user(request)
    lead, feedback = access.get_feedback_for_office(user, lead_id, feedback_id)
    content, filename = feedback_document(
        actor=user, lead=lead, feedback=feedback, ip_address=client_ip(request)
    )
    return download(content, name=filename, content_type=DOCX_TYPE)


@router.get("/{int:lead_id}", response={200: LeadDetailOut, **ERRORS}, summary="线索详情")
def get_lead(request: HttpRequest, lead_id: int) -> LeadDetailOut:
    """One lead with subjects (masked), timeline and 批示; each view is audited like the page's."""
    user = _user(request)
    lead = access.get_lead_for_user(user, lead_id)
    services.record_lead_viewed(actor=user, lead=lead, ip_address=client_ip(request), via="api")
    return _detail(lead)


def _act(request: HttpRequest, lead_id: int, perform: Callable[[User, Lead], object]) -> Lead:
    user = _user(request)
    lead = access.get_lead_for_user(user, lead_id)
    perform(user, lead)
    return lead


@router.post("/{int:lead_id}/triage", response={200: LeadDetailOut, **ERRORS}, summary="研判分流")
def triage(request: HttpRequest, lead_id: int, payload: TriageIn) -> LeadDetailOut:
    lead = _act(
        request,
        lead_id,
        lambda user, lead: services.triage_lead(actor=user, lead=lead, opinion=payload.opinion),
    )
    return _detail(lead)


@router.post("/{int:lead_id}/assign", response={200: LeadDetailOut, **ERRORS}, summary="交办")
def assign(request: HttpRequest, lead_id: int, payload: AssignIn) -> LeadDetailOut:
    """Units and the handler are looked up within the lead's town only."""

    def perform(user: User, lead: Lead) -> object:
        units = Unit.objects.subtree_of(lead.unit).active()
        handling_unit = one_of(
            units.exclude(kind=UnitKind.POLICE_STATION),
            payload.handling_unit_id,
            field="handling_unit_id",
            refusal="承办单位须为本镇或本镇下属单位",
        )
        handler = None
        if payload.handler_id is not None:
            handler = one_of(
                User.objects.filter(unit__in=units, is_active=True),
                payload.handler_id,
                field="handler_id",
                refusal="承办人须为本镇人员",
            )
        police_unit = None
        if payload.police_unit_id is not None:
            police_unit = one_of(
                units.filter(kind=UnitKind.POLICE_STATION),
                payload.police_unit_id,
                field="police_unit_id",
                refusal="协查单位须为本镇派出所",
            )
        return services.assign_lead(
            actor=user,
            lead=lead,
            handling_unit=handling_unit,
            handler=handler,
            police_unit=police_unit,
            due_on=payload.due_on,
            note=payload.note,
        )

    return _detail(_act(request, lead_id, perform))


@router.post(
    "/{int:lead_id}/investigations",
    response={201: LeadDetailOut, **ERRORS},
    summary="录入核查情况",
)
def add_investigation(
    request: HttpRequest, lead_id: int, payload: InvestigationIn
) -> Status[LeadDetailOut]:
    """核查 without files (with them: `…/investigations/evidence`)."""
    lead = _act(
        request,
        lead_id,
        lambda user, lead: services.record_investigation(
            actor=user, lead=lead, occurred_on=payload.occurred_on, content=payload.content
        ),
    )
    return Status(201, _detail(lead))


@router.post(
    "/{int:lead_id}/investigations/evidence",
    response={201: LeadDetailOut, 413: ErrorResponse, **ERRORS},
    summary="录入核查情况（附核查材料）",
)
def add_investigation_with_evidence(
    request: HttpRequest,
    lead_id: int,
    payload: Form[InvestigationIn],
    evidence: File[list[UploadedFile]],
) -> Status[LeadDetailOut]:
    """multipart/form-data: `occurred_on`, `content` and one to ten `evidence` files (images,
    PDF, Office documents, audio or video; 20 MB each), read by their content as on the page's
    核查 form; they are kept as the lead's attachments of this entry (decision 0063)."""
    lead = _act(
        request,
        lead_id,
        lambda user, lead: services.record_investigation(
            actor=user,
            lead=lead,
            occurred_on=payload.occurred_on,
            content=payload.content,
            evidence=checked_files(evidence, field="evidence"),
        ),
    )
    return Status(201, _detail(lead))


@router.post("/{int:lead_id}/propose", response={200: LeadDetailOut, **ERRORS}, summary="拟办结")
def propose(request: HttpRequest, lead_id: int, payload: ProposeIn) -> LeadDetailOut:
    lead = _act(
        request,
        lead_id,
        lambda user, lead: services.propose_conclusion(
            actor=user, lead=lead, conclusion=payload.conclusion, basis=payload.basis
        ),
    )
    return _detail(lead)


@router.post("/{int:lead_id}/sign-off", response={200: LeadDetailOut, **ERRORS}, summary="审核办结")
def sign_off(request: HttpRequest, lead_id: int, payload: SignOffIn) -> LeadDetailOut:
    """A 组长/副组长 approves (办结) or returns the proposal with a note."""
    lead = _act(
        request,
        lead_id,
        lambda user, lead: services.sign_off(
            actor=user, lead=lead, approve=payload.approve, note=payload.note
        ),
    )
    return _detail(lead)


@router.post("/{int:lead_id}/feedback", response={200: LeadDetailOut, **ERRORS}, summary="反馈上级")
def feedback(request: HttpRequest, lead_id: int, payload: FeedbackIn) -> LeadDetailOut:
    lead = _act(
        request,
        lead_id,
        lambda user, lead: services.record_feedback(
            actor=user,
            lead=lead,
            fed_back_on=payload.fed_back_on,
            recipient=payload.recipient,
            content=payload.content,
        ),
    )
    return _detail(lead)


@router.post(
    "/{int:lead_id}/follow-up", response={200: LeadDetailOut, **ERRORS}, summary="回访举报人"
)
def follow_up(request: HttpRequest, lead_id: int, payload: FollowUpIn) -> LeadDetailOut:
    lead = _act(
        request,
        lead_id,
        lambda user, lead: services.record_follow_up(
            actor=user,
            lead=lead,
            data=services.FollowUpInput(
                contacted_on=payload.contacted_on,
                method=payload.method,
                satisfaction=payload.satisfaction,
                notes=payload.notes,
            ),
        ),
    )
    return _detail(lead)


@router.post("/{int:lead_id}/archive", response={200: LeadDetailOut, **ERRORS}, summary="归档")
def archive(request: HttpRequest, lead_id: int) -> LeadDetailOut:
    lead = _act(request, lead_id, lambda user, lead: services.archive_lead(actor=user, lead=lead))
    return _detail(lead)


@router.post("/{int:lead_id}/reopen", response={200: LeadDetailOut, **ERRORS}, summary="重新打开")
def reopen(request: HttpRequest, lead_id: int, payload: ReopenIn) -> LeadDetailOut:
    lead = _act(
        request,
        lead_id,
        lambda user, lead: services.reopen_lead(actor=user, lead=lead, reason=payload.reason),
    )
    return _detail(lead)


@router.post(
    "/{int:lead_id}/instructions",
    response={201: LeadDetailOut, **ERRORS},
    summary="领导批示",
)
def instruct(request: HttpRequest, lead_id: int, payload: InstructionIn) -> Status[LeadDetailOut]:
    lead = _act(
        request,
        lead_id,
        lambda user, lead: services.give_instruction(
            actor=user, lead=lead, content=payload.content
        ),
    )
    return Status(201, _detail(lead))


def _lead_village(lead: Lead, village_id: int | None) -> Unit | None:
    if village_id is None:
        return None
    return one_of(
        Unit.objects.filter(parent=lead.unit).villages(),
        village_id,
        field="village_id",
        refusal="所属村不在本镇",
    )


@router.post(
    "/{int:lead_id}/subjects",
    response={201: LeadDetailOut, **ERRORS},
    summary="添加被反映人",
)
def add_subject(request: HttpRequest, lead_id: int, payload: SubjectIn) -> Status[LeadDetailOut]:
    lead = _act(
        request,
        lead_id,
        lambda user, lead: services.add_subject(
            actor=user,
            lead=lead,
            subject=services.SubjectInput(
                name=payload.name,
                alias=payload.alias,
                id_number=payload.id_number,
                phone=payload.phone,
                address=payload.address,
                village=_lead_village(lead, payload.village_id),
                role=payload.role,
                position=payload.position,
                plates=payload.plates,
            ),
        ),
    )
    return Status(201, _detail(lead))


@router.patch(
    "/{int:lead_id}/subjects/{int:subject_id}",
    response={200: LeadDetailOut, 409: ErrorResponse, **ERRORS},
    summary="修改被反映人",
)
def edit_subject(
    request: HttpRequest, lead_id: int, subject_id: int, payload: SubjectEditIn
) -> LeadDetailOut:
    """The same service as the page; a stale `version` (or If-Match) is 409."""
    version = edit_version(request, payload.version)

    def perform(user: User, lead: Lead) -> object:
        subject = access.get_subject_of(lead, subject_id)
        sent = payload.model_fields_set

        def kept(name: str) -> str:
            value = getattr(payload, name)
            return value if value is not None else getattr(subject, name)

        return services.edit_subject(
            actor=user,
            subject=subject,
            data=services.SubjectInput(
                name=kept("name"),
                alias=kept("alias"),
                id_number=payload.id_number or "",
                phone=payload.phone or "",
                address=kept("address"),
                village=(
                    _lead_village(lead, payload.village_id)
                    if "village_id" in sent
                    else subject.village
                ),
                role=kept("role"),
                position=kept("position"),
            ),
            clear_id_number=payload.clear_id_number,
            clear_phone=payload.clear_phone,
            version=version,
        )

    return _detail(_act(request, lead_id, perform))


@router.post(
    "/{int:lead_id}/subjects/{int:subject_id}/remove",
    response={200: LeadDetailOut, 409: ErrorResponse, **ERRORS},
    summary="移除被反映人",
)
def remove_subject(
    request: HttpRequest, lead_id: int, subject_id: int, payload: SubjectRemoveIn
) -> LeadDetailOut:
    version = edit_version(request, payload.version)
    lead = _act(
        request,
        lead_id,
        lambda user, lead: services.remove_subject(
            actor=user,
            subject=access.get_subject_of(lead, subject_id),
            reason=payload.reason,
            version=version,
        ),
    )
    return _detail(lead)


# Parity with the pages, continued (issue 15): the lead page's remaining actions, each the
# page's service with the page's checks (the service's own actor checks included).


class ExtendIn(Schema):
    new_due_on: DeadlineDay
    reason: str = Field(max_length=2000)


class LeadTextIn(Schema):
    content: str = Field(max_length=5000)


class OtherLeadIn(Schema):
    number: str = Field(max_length=32, description="本镇另一条线索的编号，如 GX-2026-0001")
    note: str = Field("", max_length=200)


class FactsIn(Schema):
    summary: str = Field(min_length=1, max_length=500)
    narrative: str = ""
    village_id: int | None = None
    place: str = Field("", max_length=200)
    target_category_id: int | None = None
    version: int | None = Field(None, description="读取时的 version；也可放在 If-Match 头")


class PlatesIn(Schema):
    # Plain text checked by the service after the access checks, as the page's form is: a
    # plate refused before them would tell an outsider the lead exists (400 naming `plates`).
    plates: list[str] = Field(
        max_length=MAX_PLATES, description="车牌号，整体替换；送空列表清除；不规范的为 400"
    )


def _other_lead(user: User, number: str) -> Lead:
    """Another lead by its number among those the account sees, as the page looks it up."""
    other = access.visible_leads(user).filter(number=number.strip().upper()).first()
    if other is None:
        raise ServiceError(f"未找到编号为 {number} 的线索", field="number")
    return other


@router.post("/{int:lead_id}/extend", response={200: LeadDetailOut, **ERRORS}, summary="延期")
def extend(request: HttpRequest, lead_id: int, payload: ExtendIn) -> LeadDetailOut:
    """A 组长/副组长 of the town grants a later deadline, with a reason."""
    lead = _act(
        request,
        lead_id,
        lambda user, lead: services.extend_deadline(
            actor=user, lead=lead, new_due_on=payload.new_due_on, reason=payload.reason
        ),
    )
    return _detail(access.get_lead_for_user(_user(request), lead.pk))


@router.post(
    "/{int:lead_id}/police-feedback", response={200: LeadDetailOut, **ERRORS}, summary="派出所反馈"
)
def police_feedback(request: HttpRequest, lead_id: int, payload: LeadTextIn) -> LeadDetailOut:
    """The 协查派出所's feedback on a lead shared with it."""
    lead = _act(
        request,
        lead_id,
        lambda user, lead: services.record_police_feedback(
            actor=user, lead=lead, content=payload.content
        ),
    )
    return _detail(lead)


@router.post(
    "/{int:lead_id}/instructions/{int:instruction_id}/answer",
    response={200: LeadDetailOut, **ERRORS},
    summary="回复批示",
)
def answer_instruction(
    request: HttpRequest, lead_id: int, instruction_id: int, payload: LeadTextIn
) -> LeadDetailOut:
    """The handler or the office says how a 批示 was carried out; once."""

    def perform(user: User, lead: Lead) -> object:
        instruction = lead.instructions.filter(pk=instruction_id).first()
        if instruction is None:
            raise Http404("批示不存在")
        return services.answer_instruction(
            actor=user, instruction=instruction, answer=payload.content
        )

    return _detail(_act(request, lead_id, perform))


@router.post("/{int:lead_id}/merge", response={200: LeadDetailOut, **ERRORS}, summary="并案")
def merge(request: HttpRequest, lead_id: int, payload: OtherLeadIn) -> LeadDetailOut:
    """This lead is closed as a duplicate of the one numbered `number` (the town's office)."""
    lead = _act(
        request,
        lead_id,
        lambda user, lead: services.merge_lead(
            actor=user, lead=lead, into=_other_lead(user, payload.number), note=payload.note
        ),
    )
    return _detail(access.get_lead_for_user(_user(request), lead.pk))


@router.post("/{int:lead_id}/link", response={200: LeadDetailOut, **ERRORS}, summary="关联线索")
def link(request: HttpRequest, lead_id: int, payload: OtherLeadIn) -> LeadDetailOut:
    lead = _act(
        request,
        lead_id,
        lambda user, lead: services.link_leads(
            actor=user, lead=lead, other=_other_lead(user, payload.number), note=payload.note
        ),
    )
    return _detail(lead)


@router.post(
    "/{int:lead_id}/correct",
    response={200: LeadDetailOut, 409: ErrorResponse, **ERRORS},
    summary="更正登记信息",
)
def correct(request: HttpRequest, lead_id: int, payload: FactsIn) -> LeadDetailOut:
    """The office corrects the registered facts of an open lead; a stale `version` is 409."""
    version = edit_version(request, payload.version)

    def perform(user: User, lead: Lead) -> object:
        category = None
        if payload.target_category_id is not None:
            category = one_of(
                DictionaryEntry.objects.filter(kind=DictionaryKind.TARGET_CATEGORY, is_active=True),
                payload.target_category_id,
                field="target_category_id",
                refusal="线索类别不存在",
            )
        return services.correct_facts(
            actor=user,
            lead=lead,
            data=services.FactsInput(
                summary=payload.summary,
                narrative=payload.narrative,
                village=_lead_village(lead, payload.village_id),
                place=payload.place,
                target_category=category,
            ),
            version=version,
        )

    lead = _act(request, lead_id, perform)
    return _detail(access.get_lead_for_user(_user(request), lead.pk))


@router.put(
    "/{int:lead_id}/subjects/{int:subject_id}/plates",
    response={200: LeadDetailOut, **ERRORS},
    summary="修改车牌号",
)
def subject_plates(
    request: HttpRequest, lead_id: int, subject_id: int, payload: PlatesIn
) -> LeadDetailOut:
    """The office replaces a subject's plates as a whole while the lead is open."""
    lead = _act(
        request,
        lead_id,
        lambda user, lead: services.set_subject_plates(
            actor=user, subject=access.get_subject_of(lead, subject_id), plates=payload.plates
        ),
    )
    return _detail(lead)


class StatsQuery(Schema):
    date_from: EventDay | None = Field(None, description="统计起；不填为本年1月1日")
    date_to: PeriodDay | None = Field(None, description="统计止；不填为本年12月31日")
    town_id: int | None = Field(None, description="只统计这个镇（街道）；不填为可统计的全部")


class TallyOut(Schema):
    label: str
    received: int
    closed: int
    open: int
    substantiated: int
    overdue: int
    backlog: int
    clearance_rate: str
    substantiation_rate: str


class StatsOpenLeadOut(Schema):
    id: int
    number: str
    town: str
    source_label: str
    received_at: ShownMoment
    handling_unit: str
    handler: str
    status_label: str
    due_on: ShownDay | None
    overdue_working_days: int


class LeadStatsOut(Schema):
    date_from: ShownDay
    date_to: ShownDay
    as_of: ShownDay
    towns: list[UnitRef]
    by_town: list[TallyOut]
    by_source: list[TallyOut]
    total: TallyOut
    is_cleared: bool
    open_leads: list[StatsOpenLeadOut]
    hidden_open: int = Field(description="计入统计、但本账号无权查看的未办结线索条数")


def tally_out(tally: stats.Tally) -> TallyOut:
    return TallyOut(
        label=tally.label,
        received=tally.received,
        closed=tally.closed,
        open=tally.open,
        substantiated=tally.substantiated,
        overdue=tally.overdue,
        backlog=tally.backlog,
        clearance_rate=tally.clearance_rate,
        substantiation_rate=tally.substantiation_rate,
    )


@router.get("/stats", response={200: LeadStatsOut, **ERRORS}, summary="线索统计")
def lead_stats(request: HttpRequest, filters: Query[StatsQuery]) -> LeadStatsOut:
    """The page's 线索统计 (清仓见底): the office's town, a supervisor's towns below it; the
    open leads listed are those on the account's own lead list, the rest only counted."""
    user = _user(request)
    if not user_has_any_role(user, stats.STATS_ROLES):
        raise ActionNotAllowed("您没有查看线索统计的权限")
    today = timezone.localdate()
    this_year = stats.period_presets(today)[-1]
    date_from = filters.date_from or this_year.date_from
    date_to = filters.date_to or this_year.date_to
    if date_from > date_to:
        raise ServiceError("截止日期不能早于起始日期", field="date_to")
    towns = stats.list_stats_towns(user)
    if filters.town_id is not None:
        towns = [town for town in towns if town.pk == filters.town_id]
        if not towns:
            raise ServiceError("单位不存在", field="town_id")
    result = stats.get_lead_statistics(
        towns=towns,
        date_from=date_from,
        date_to=date_to,
        today=today,
        listable=access.visible_leads(user),
    )
    return LeadStatsOut(
        date_from=result.date_from,
        date_to=result.date_to,
        as_of=result.as_of,
        towns=[UnitRef(id=town.pk, name=town.name) for town in towns],
        by_town=[tally_out(tally) for tally in result.by_town],
        by_source=[tally_out(tally) for tally in result.by_source],
        total=tally_out(result.total),
        is_cleared=result.is_cleared,
        open_leads=[
            StatsOpenLeadOut(
                id=row.lead.pk,
                number=row.lead.number,
                town=row.lead.unit.name,
                source_label=row.lead.get_source_display(),
                received_at=row.lead.received_at,
                handling_unit=row.lead.handling_unit.name if row.lead.handling_unit else "",
                handler=row.lead.handler.real_name if row.lead.handler else "",
                status_label=row.lead.get_status_display(),
                due_on=row.lead.due_on,
                overdue_working_days=row.overdue_working_days,
            )
            for row in result.open_leads
        ],
        hidden_open=result.hidden_open,
    )


class DictionaryEntryOut(Schema):
    id: int
    kind: Annotated[str, Shown(DictionaryEntry, "kind")]
    kind_label: str
    name: str
    is_active: bool


class TimeLimitOut(Schema):
    source: Annotated[str, Shown(SourceTimeLimit, "source")]
    source_label: str
    working_days: int


class LeadSettingsOut(Schema):
    entries: list[DictionaryEntryOut]
    time_limits: list[TimeLimitOut]


class DictionaryEntryIn(Schema):
    kind: Annotated[str, OneOf(DictionaryEntry, "kind")]
    name: str = Field(min_length=1, max_length=100)


class DictionaryEntryActiveIn(Schema):
    is_active: bool = Field(description="false 停用（已登记的线索不受影响），true 启用")


class TimeLimitIn(Schema):
    source: Annotated[str, OneOf(SourceTimeLimit, "source")]
    working_days: int = Field(ge=1, le=365, description="工作日，对此后登记的线索生效")


def _entry_out(entry: DictionaryEntry) -> DictionaryEntryOut:
    return DictionaryEntryOut(
        id=entry.pk,
        kind=entry.kind,
        kind_label=entry.get_kind_display(),
        name=entry.name,
        is_active=entry.is_active,
    )


@router.get("/settings", response={200: LeadSettingsOut, **ERRORS}, summary="字典与办理时限")
def lead_settings(request: HttpRequest) -> LeadSettingsOut:
    """The settings page: 线索类别 and 涉黑涉恶类型 (retired ones too) and each source's time
    limit in working days; the office's, as the page."""
    # The settings page's `role_required(*OFFICE_ROLES)`; the changes are refused by the services.
    if not user_has_any_role(_user(request), OFFICE_ROLES):
        raise ActionNotAllowed("您没有查看字典与办理时限的权限")
    return LeadSettingsOut(
        entries=[
            _entry_out(entry)
            for entry in DictionaryEntry.objects.order_by("kind", "sort_order", "id")
        ],
        time_limits=[
            TimeLimitOut(source=value, source_label=label, working_days=time_limit_for(value))
            for value, label in Source.choices
        ],
    )


@router.post(
    "/settings/entries", response={201: DictionaryEntryOut, **ERRORS}, summary="添加字典项"
)
def add_dictionary_entry(
    request: HttpRequest, payload: DictionaryEntryIn
) -> Status[DictionaryEntryOut]:
    user = _user(request)
    entry = settings_services.add_dictionary_entry(actor=user, kind=payload.kind, name=payload.name)
    return Status(201, _entry_out(entry))


@router.patch(
    "/settings/entries/{int:entry_id}",
    response={200: DictionaryEntryOut, **ERRORS},
    summary="启用或停用字典项",
)
def set_dictionary_entry_active(
    request: HttpRequest, entry_id: int, payload: DictionaryEntryActiveIn
) -> DictionaryEntryOut:
    """Entries are retired, never deleted: the page's 停用/启用 as a state, so a repeat is
    harmless."""
    user = _user(request)
    entry = DictionaryEntry.objects.filter(pk=entry_id).first()
    if entry is None:
        raise Http404("字典项不存在")
    entry = settings_services.set_dictionary_entry_active(
        actor=user, entry=entry, is_active=payload.is_active
    )
    return _entry_out(entry)


@router.put("/settings/time-limits", response={200: TimeLimitOut, **ERRORS}, summary="设置办理时限")
def set_time_limit(request: HttpRequest, payload: TimeLimitIn) -> TimeLimitOut:
    user = _user(request)
    limit = settings_services.set_time_limit(
        actor=user, source=payload.source, working_days=payload.working_days
    )
    return TimeLimitOut(
        source=limit.source,
        source_label=limit.get_source_display(),
        working_days=limit.working_days,
    )
