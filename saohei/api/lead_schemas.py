"""Shapes of /api/v1/leads. Subjects appear with masked identifiers only; reporters never."""

from typing import Annotated, Self

from ninja import Schema
from pydantic import Field, field_validator, model_validator

from saohei.api.schemas import EvidenceOut, OneOf, Shown
from saohei.common.dates import DeadlineDay, EventDay, EventMoment, PeriodDay, ShownDay, ShownMoment
from saohei.common.plates import MAX_PLATES, Plate
from saohei.leads.models import FollowUp, Lead, LeadEvent, Source, Status, Subject, SubjectRole

LIST_STATUSES = frozenset({"", "open", *Status.values})
DUE_STATES = frozenset({"", "overdue", "soon"})


class UnitRef(Schema):
    id: int
    name: str


class PersonRef(Schema):
    id: int
    real_name: str


class EntryRef(Schema):
    id: int
    name: str


class SubjectOut(Schema):
    id: int
    name: str
    alias: str
    role: Annotated[str, Shown(Subject, "role")]
    role_label: str
    position: str
    id_number_masked: str = Field(description="脱敏身份证号，如 110105********002X")
    phone_masked: str = Field(description="脱敏手机号，如 139****5678")
    plates: list[str] = Field(description="车牌号（规范写法，如 鲁KD12345）")
    village: UnitRef | None
    version: int = Field(description="修改或移除时带回（或放在 If-Match 头），过期则 409")


class LeadSummaryOut(Schema):
    id: int
    number: str
    unit: UnitRef
    received_at: ShownMoment
    channel: Annotated[str, Shown(Lead, "channel")]
    channel_label: str
    source: Annotated[str, Shown(Lead, "source")]
    source_label: str
    status: Annotated[str, Shown(Lead, "status")]
    status_label: str
    village: UnitRef | None
    target_category: EntryRef | None
    summary: str
    involves_official: bool
    handling_unit: UnitRef | None
    handler: PersonRef | None
    police_unit: UnitRef | None
    assigned_at: ShownMoment | None
    due_on: ShownDay | None
    due_state: str = Field(description="'' 无时限或已办结，ok，soon 即将到期，overdue 已逾期")
    conclusion: Annotated[str, Shown(Lead, "conclusion")]
    conclusion_label: str
    concluded_at: ShownMoment | None
    subjects: list[SubjectOut]


class EventOut(Schema):
    kind: Annotated[str, Shown(LeadEvent, "kind")]
    kind_label: str
    occurred_at: ShownMoment
    actor: PersonRef | None
    actor_unit: UnitRef | None
    # "" when the event did not move the lead (an instruction, a correction)
    from_status: Annotated[str, Shown(Lead, "status", also=("",))]
    to_status: Annotated[str, Shown(Lead, "status", also=("",))]
    note: str


class InvestigationOut(Schema):
    id: int
    occurred_on: ShownDay
    content: str
    author: PersonRef
    author_unit: UnitRef | None
    created_at: ShownMoment
    evidence: list[EvidenceOut]


class InstructionOut(Schema):
    id: int
    author: PersonRef
    content: str
    created_at: ShownMoment
    acknowledged_by: PersonRef | None
    acknowledged_at: ShownMoment | None
    answer: str
    answered_at: ShownMoment | None


class FeedbackOut(Schema):
    id: int
    fed_back_on: ShownDay
    recipient: str
    content: str


class FollowUpOut(Schema):
    id: int
    contacted_on: ShownDay
    method: str
    satisfaction: Annotated[str, Shown(FollowUp, "satisfaction")]
    satisfaction_label: str


class LeadDetailOut(LeadSummaryOut):
    narrative: str
    place: str
    upstream_office: str
    upstream_reference: str
    upstream_deadline: ShownDay | None
    offence_types: list[EntryRef]
    is_real_name_report: bool
    triage_opinion: str
    conclusion_basis: str
    proposed_at: ShownMoment | None
    signed_off_by: PersonRef | None
    signed_off_at: ShownMoment | None
    fed_back_at: ShownMoment | None
    followed_up_at: ShownMoment | None
    archived_at: ShownMoment | None
    merged_into: str | None = Field(description="并入线索的编号")
    escalation_level: int
    version: int = Field(description="更正登记信息时带回（或放在 If-Match 头），过期则 409")
    events: list[EventOut]
    investigations: list[InvestigationOut]
    instructions: list[InstructionOut]
    feedbacks: list[FeedbackOut]
    follow_ups: list[FollowUpOut]


class LeadPageOut(Schema):
    items: list[LeadSummaryOut]
    next: str | None = Field(description="下一页游标，作为 after 参数传回；没有更多时为 null")
    previous: str | None = Field(description="上一页游标，作为 before 参数传回")


class LeadFilterQuery(Schema):
    """The list page's filters, as query parameters."""

    status: Annotated[str, OneOf(Lead, "status", also=("", "open"))] = Field(
        "", description="open（未办结）或状态值"
    )
    source: Annotated[str, OneOf(Lead, "source", also=("",))] = ""
    village_id: int | None = None
    category_id: int | None = None
    due_state: str = Field("", description="overdue 已逾期，soon 即将到期")
    date_from: PeriodDay | None = Field(None, description="受理日期起（含）")
    date_to: PeriodDay | None = Field(None, description="受理日期止（含）")
    q: str = Field("", max_length=50, description="编号、内容、被反映人姓名或绰号")

    @field_validator("status")
    @classmethod
    def _known_status(cls, value: str) -> str:
        if value not in LIST_STATUSES:
            raise ValueError("状态不正确")
        return value

    @field_validator("source")
    @classmethod
    def _known_source(cls, value: str) -> str:
        if value and value not in Source.values:
            raise ValueError("来源不正确")
        return value

    @field_validator("due_state")
    @classmethod
    def _known_due_state(cls, value: str) -> str:
        if value not in DUE_STATES:
            raise ValueError("时限状态应为 overdue 或 soon")
        return value

    @model_validator(mode="after")
    def _ordered_dates(self) -> Self:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("截止日期不能早于起始日期")
        return self


class LeadListQuery(LeadFilterQuery):
    after: str = ""
    before: str = ""


class SubjectIn(Schema):
    name: str = Field(min_length=1, max_length=50)
    alias: str = Field("", max_length=50)
    id_number: str = Field("", max_length=20)
    phone: str = Field("", max_length=20)
    address: str = Field("", max_length=200)
    village_id: int | None = None
    role: Annotated[str, OneOf(Subject, "role")] = SubjectRole.REPORTED.value
    position: str = Field("", max_length=100)
    plates: list[Plate] = Field(
        default_factory=list,
        max_length=MAX_PLATES,
        description="车牌号：普通7位、新能源8位、挂/学/警等；空格和点可有可无",
    )

    @field_validator("role")
    @classmethod
    def _known_role(cls, value: str) -> str:
        if value not in SubjectRole.values:
            raise ValueError("身份不正确")
        return value


class SubjectEditIn(Schema):
    """修改被反映人: the fields sent replace the saved ones; an ID number or mobile sent replaces
    the sealed one (never returned in clear); `clear_…` removes it."""

    name: str | None = Field(None, min_length=1, max_length=50)
    alias: str | None = Field(None, max_length=50)
    id_number: str | None = Field(None, max_length=20)
    phone: str | None = Field(None, max_length=20)
    address: str | None = Field(None, max_length=200)
    village_id: int | None = Field(None, description="送 null 清除所属村")
    role: Annotated[str, OneOf(Subject, "role")] | None = None
    position: str | None = Field(None, max_length=100)
    clear_id_number: bool = False
    clear_phone: bool = False
    version: int | None = Field(None, description="读取时的 version；也可放在 If-Match 头")

    @field_validator("role")
    @classmethod
    def _known_role(cls, value: str | None) -> str | None:
        if value is not None and value not in SubjectRole.values:
            raise ValueError("身份不正确")
        return value


class SubjectRemoveIn(Schema):
    reason: str = Field(min_length=1, max_length=200)
    version: int | None = Field(None, description="读取时的 version；也可放在 If-Match 头")


class ReporterIn(Schema):
    """Sealed into the vault on arrival; the lead keeps only a pseudonymous reference."""

    name: str = Field("", max_length=50)
    phone: str = Field("", max_length=20)
    id_number: str = Field("", max_length=20)
    address: str = Field("", max_length=200)


class LeadIn(Schema):
    unit_id: int = Field(description="登记到的镇（街道）")
    received_at: EventMoment = Field(description="受理时间；不带时区的按北京时间")
    channel: Annotated[str, OneOf(Lead, "channel")]
    source: Annotated[str, OneOf(Lead, "source")]
    summary: str = Field(min_length=1, max_length=500)
    narrative: str = ""
    village_id: int | None = None
    place: str = Field("", max_length=200)
    target_category_id: int | None = None
    offence_type_ids: list[int] = Field(default_factory=list, max_length=20)
    involves_official: bool = False
    upstream_office: str = Field("", max_length=100)
    upstream_reference: str = Field("", max_length=100)
    upstream_deadline: DeadlineDay | None = None
    subjects: list[SubjectIn] = Field(default_factory=list, max_length=20)
    reporter: ReporterIn | None = None


class LeadRegistrationIn(Schema):
    unit_id: int = Field(description="登记到的镇（街道）")
    lead: str = Field(description="POST /api/v1/leads 的 JSON 请求体（unit_id 除外）")


class LeadAttachmentOut(Schema):
    id: int
    original_name: str
    content_type: str
    size: int
    sha256: str
    # The 核查 entry the file is evidence of; null for a file registered with the lead.
    entry_id: int | None
    uploaded_by: str
    uploaded_at: ShownMoment


class TriageIn(Schema):
    opinion: str = Field(max_length=5000)


class AssignIn(Schema):
    handling_unit_id: int
    handler_id: int | None = None
    police_unit_id: int | None = None
    due_on: DeadlineDay | None = None
    note: str = Field("", max_length=2000)


class InvestigationIn(Schema):
    occurred_on: EventDay
    content: str = Field(max_length=10000)


class ProposeIn(Schema):
    conclusion: Annotated[str, OneOf(Lead, "conclusion")]
    basis: str = Field(max_length=5000)


class SignOffIn(Schema):
    approve: bool
    note: str = Field("", max_length=2000)


class FeedbackIn(Schema):
    fed_back_on: EventDay
    recipient: str = Field(max_length=100)
    content: str = Field(max_length=10000)


class FollowUpIn(Schema):
    contacted_on: EventDay
    method: str = Field(max_length=50)
    satisfaction: Annotated[str, OneOf(FollowUp, "satisfaction")]
    notes: str = Field("", max_length=2000)


class ReopenIn(Schema):
    reason: str = Field(max_length=5000)


class InstructionIn(Schema):
    content: str = Field(max_length=5000)
