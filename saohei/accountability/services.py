"""Every state change of the talk records: one transaction each, checked, audited."""

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone

from saohei.accountability import access
from saohei.accountability.models import Talk, TalkKind, TalkReview, Topic
from saohei.audit.models import AuditAction
from saohei.audit.services import record_event
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.common.roles import Role
from saohei.leads.models import Channel, Source
from saohei.leads.services import LeadInput, register_lead
from saohei.notifications.models import NotificationKind
from saohei.notifications.services import notify
from saohei.organisations.models import Unit, UnitKind, User
from saohei.rectifications.models import SourceKind
from saohei.rectifications.services import open_item

TEXT_LIMIT = 5000


@dataclass
class ProblemInput:
    """A problem found in the talk; it goes onto the rectification ledger."""

    description: str
    measures: str
    responsible_person: User
    responsible_leader: User
    village: Unit | None = None
    working_days: int | None = None


@dataclass
class TalkInput:
    talked_on: date
    place: str
    interviewer: User
    interviewees: list[User]
    kind: str
    content: str
    recorder: User | None = None
    topics: list[str] = field(default_factory=list)
    other_topics: str = ""
    follow_up: str = ""
    problems: list[ProblemInput] = field(default_factory=list)
    # One summary per lead found; each is registered with source 谈心谈话.
    leads: list[str] = field(default_factory=list)
    lead_village: Unit | None = None


def talk_url(talk: Talk) -> str:
    return f"/talks/{talk.pk}/"


def _in_town(user: User, town: Unit) -> bool:
    return user.is_active and user.unit is not None and user.unit.path.startswith(town.path)


def _text(value: str, name: str, label: str, *, required: bool = True) -> str:
    value = value.strip()
    if required and not value:
        raise ServiceError(f"请填写{label}", field=name)
    if len(value) > TEXT_LIMIT:
        raise ServiceError(f"{label}不能超过{TEXT_LIMIT}个字", field=name)
    return value


@transaction.atomic
def record_talk(*, actor: User, unit: Unit, data: TalkInput) -> Talk:
    """登记谈心谈话: the town's office or leaders; problems → 整改台账, leads → 线索."""
    if unit.kind != UnitKind.TOWN:
        raise ServiceError("谈话记录应登记在镇（街道）", field="unit")
    if not access.can_record(actor, unit):
        raise ActionNotAllowed("只有本镇扫黑办工作人员或领导小组成员可以登记谈心谈话")
    if data.kind not in TalkKind.values:
        raise ServiceError("谈话类型不正确", field="kind")
    if any(code not in Topic.values for code in data.topics):
        raise ServiceError("谈话主题不正确", field="topics")
    if data.talked_on > timezone.localdate():
        raise ServiceError("谈话日期不能晚于今天", field="talked_on")
    if not _in_town(data.interviewer, unit):
        raise ServiceError("谈话人须为本镇在岗人员", field="interviewer")
    if not data.interviewees:
        raise ServiceError("请选择谈话对象", field="interviewees")
    if any(not _in_town(person, unit) for person in data.interviewees):
        raise ServiceError("谈话对象须为本镇在岗人员", field="interviewees")
    if data.interviewer in data.interviewees:
        raise ServiceError("谈话人不能同时是谈话对象", field="interviewees")
    if data.recorder is not None and not _in_town(data.recorder, unit):
        raise ServiceError("记录人须为本镇在岗人员", field="recorder")
    talk = Talk.objects.create(
        unit=unit,
        talked_on=data.talked_on,
        place=_text(data.place, "place", "谈话地点")[:100],
        interviewer=data.interviewer,
        recorder=data.recorder,
        kind=data.kind,
        topics=list(dict.fromkeys(data.topics)),
        other_topics=data.other_topics.strip()[:200],
        content=_text(data.content, "content", "谈话内容"),
        follow_up=_text(data.follow_up, "follow_up", "后续跟进", required=False),
        created_by=actor,
    )
    talk.interviewees.set(data.interviewees)
    names = "、".join(person.real_name for person in data.interviewees)
    label = f"{data.interviewer.real_name}与{names}谈心谈话（{data.talked_on:%Y-%m-%d}）"[:200]
    for problem in data.problems:
        item = open_item(
            actor=actor,
            unit=unit,
            village=problem.village,
            source_kind=SourceKind.TALK,
            source_label=label,
            source_url=talk_url(talk),
            description=problem.description,
            measures=problem.measures,
            responsible_leader=problem.responsible_leader,
            responsible_unit=problem.village or unit,
            responsible_person=problem.responsible_person,
            working_days=problem.working_days,
        )
        talk.rectification_items.add(item)
    for summary in data.leads:
        lead = register_lead(
            actor=actor,
            unit=unit,
            data=LeadInput(
                received_at=timezone.now(),
                channel=Channel.IN_PERSON,
                source=Source.TALK,
                summary=summary,
                narrative=f"来源：{label}",
                village=data.lead_village,
            ),
        )
        talk.leads.add(lead)
    record_event(
        action=AuditAction.TALK_RECORDED,
        actor=actor,
        unit=unit,
        target=talk,
        details={
            "interviewees": len(data.interviewees),
            "problems": len(data.problems),
            "leads": len(data.leads),
        },
    )
    return talk


@transaction.atomic
def review_talks(*, actor: User, unit: Unit, covers_until: date, opinion: str) -> TalkReview:
    """定期梳理: a leader of the town signs off every unreviewed talk up to a date."""
    if not access.can_review(actor, unit):
        raise ActionNotAllowed("只有本镇领导小组组长、副组长可以梳理谈话记录")
    opinion = _text(opinion, "opinion", "梳理意见")
    talks = Talk.objects.select_for_update().filter(
        unit=unit, review__isnull=True, talked_on__lte=covers_until
    )
    count = talks.count()
    if count == 0:
        raise ServiceError("截至该日期没有待梳理的谈话记录", field="covers_until")
    review = TalkReview.objects.create(
        unit=unit, reviewer=actor, covers_until=covers_until, opinion=opinion
    )
    talks.update(review=review)
    record_event(
        action=AuditAction.TALKS_REVIEWED,
        actor=actor,
        unit=unit,
        target=review,
        details={"talks": count, "covers_until": covers_until.isoformat()},
    )
    staff = list(
        User.objects.filter(
            is_active=True, role_grants__role=Role.OFFICE_STAFF, role_grants__unit=unit
        ).distinct()
    )
    notify(
        recipients=staff,
        title="谈心谈话记录已完成定期梳理",
        body=f"{actor.real_name}梳理了{count}份谈话记录",
        url="/talks/",
        kind=NotificationKind.INFO,
    )
    return review
