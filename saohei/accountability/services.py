"""Every state change of the talk records: one transaction each, checked, audited."""

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from saohei.accountability import access
from saohei.accountability.models import Talk, TalkKind, TalkReview, Topic
from saohei.audit.models import AuditAction
from saohei.audit.services import record_event
from saohei.common.dates import DateKind, check_date
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.common.roles import Role
from saohei.common.rows import lock_current
from saohei.common.validation import checked_text
from saohei.leads.models import Channel, Source
from saohei.leads.services import LeadInput, register_lead
from saohei.notifications.models import NotificationKind
from saohei.notifications.services import notify
from saohei.organisations.models import Unit, UnitKind, User
from saohei.organisations.queries import is_case_worker_under, users_holding
from saohei.rectifications.models import SourceKind
from saohei.rectifications.services import ItemInput, ItemSource, open_item

TEXT_LIMIT = 5000
# Long texts are cut to this in the audit's before/after summary: the record keeps the whole.
SUMMARY_LIMIT = 200


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


@dataclass
class TalkEdit:
    """The parts of a saved talk the office may correct."""

    talked_on: date
    place: str
    interviewees: list[User]
    kind: str
    content: str
    topics: list[str] = field(default_factory=list)
    other_topics: str = ""
    follow_up: str = ""


def talk_url(talk: Talk) -> str:
    return reverse("accountability:detail", args=[talk.pk])


def _in_town(user: User, town: Unit) -> bool:
    return is_case_worker_under(user, town)


def _check_details(
    *,
    town: Unit,
    talked_on: date,
    place: str,
    interviewer: User,
    interviewees: list[User],
    kind: str,
    topics: list[str],
    content: str,
    follow_up: str,
) -> None:
    """The rules a talk record keeps, whether first recorded or corrected later."""
    if kind not in TalkKind.values:
        raise ServiceError("谈话类型不正确", field="kind")
    if any(code not in Topic.values for code in topics):
        raise ServiceError("谈话主题不正确", field="topics")
    check_date(talked_on, kind=DateKind.EVENT, label="谈话日期", field="talked_on")
    checked_text(place, field="place", label="谈话地点", limit=TEXT_LIMIT, required=True)
    checked_text(content, field="content", label="谈话内容", limit=TEXT_LIMIT, required=True)
    checked_text(follow_up, field="follow_up", label="后续跟进", limit=TEXT_LIMIT)
    if not _in_town(interviewer, town):
        raise ServiceError(
            "谈话人须为本镇在岗人员（三员、举报信息保管员除外）", field="interviewer"
        )
    if not interviewees:
        raise ServiceError("请选择谈话对象", field="interviewees")
    if any(not _in_town(person, town) for person in interviewees):
        raise ServiceError(
            "谈话对象须为本镇在岗人员（三员、举报信息保管员除外）", field="interviewees"
        )
    if interviewer in interviewees:
        raise ServiceError("谈话人不能同时是谈话对象", field="interviewees")


def _source_label(talk: Talk, interviewees: list[User]) -> str:
    names = "、".join(person.real_name for person in interviewees)
    return f"{talk.interviewer.real_name}与{names}谈心谈话（{talk.talked_on:%Y-%m-%d}）"[:200]


def _open_problems(*, actor: User, talk: Talk, problems: list[ProblemInput]) -> list[int]:
    label = _source_label(talk, list(talk.interviewees.all()))
    opened = []
    for problem in problems:
        item = open_item(
            actor=actor,
            unit=talk.unit,
            source=ItemSource(kind=SourceKind.TALK, label=label, url=talk_url(talk)),
            data=ItemInput(
                village=problem.village,
                description=problem.description,
                measures=problem.measures,
                responsible_leader=problem.responsible_leader,
                responsible_unit=problem.village or talk.unit,
                responsible_person=problem.responsible_person,
                working_days=problem.working_days,
            ),
        )
        talk.rectification_items.add(item)
        opened.append(item.pk)
    return opened


def _register_leads(
    *, actor: User, talk: Talk, summaries: list[str], village: Unit | None
) -> list[int]:
    label = _source_label(talk, list(talk.interviewees.all()))
    registered = []
    for summary in summaries:
        lead = register_lead(
            actor=actor,
            unit=talk.unit,
            data=LeadInput(
                received_at=timezone.now(),
                channel=Channel.IN_PERSON,
                source=Source.TALK,
                summary=summary,
                narrative=f"来源：{label}",
                village=village,
            ),
        )
        talk.leads.add(lead)
        registered.append(lead.pk)
    return registered


@transaction.atomic
def record_talk(*, actor: User, unit: Unit, data: TalkInput) -> Talk:
    """登记谈心谈话: the town's office or leaders; problems → 整改台账, leads → 线索."""
    if unit.kind != UnitKind.TOWN:
        raise ServiceError("谈话记录应登记在镇（街道）", field="unit")
    if not access.can_record(actor, unit):
        raise ActionNotAllowed("只有本镇扫黑办工作人员或领导小组成员可以登记谈心谈话")
    _check_details(
        town=unit,
        talked_on=data.talked_on,
        place=data.place,
        interviewer=data.interviewer,
        interviewees=data.interviewees,
        kind=data.kind,
        topics=data.topics,
        content=data.content,
        follow_up=data.follow_up,
    )
    if data.recorder is not None and not _in_town(data.recorder, unit):
        raise ServiceError("记录人须为本镇在岗人员（三员、举报信息保管员除外）", field="recorder")
    talk = Talk.objects.create(
        unit=unit,
        talked_on=data.talked_on,
        place=data.place.strip()[:100],
        interviewer=data.interviewer,
        recorder=data.recorder,
        kind=data.kind,
        topics=list(dict.fromkeys(data.topics)),
        other_topics=data.other_topics.strip()[:200],
        content=data.content.strip(),
        follow_up=data.follow_up.strip(),
        created_by=actor,
    )
    talk.interviewees.set(data.interviewees)
    _open_problems(actor=actor, talk=talk, problems=data.problems)
    _register_leads(actor=actor, talk=talk, summaries=data.leads, village=data.lead_village)
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


def _summary_value(value: object) -> object:
    """A value as the audit's before/after summary keeps it: short text, ISO dates."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and len(value) > SUMMARY_LIMIT:
        return value[:SUMMARY_LIMIT] + "…"
    return value


def _mark_changed(talk: Talk, actor: User) -> list[str]:
    """Who corrected it and when; a reviewed record shows 审阅后修改 and awaits review again."""
    now = timezone.now()
    talk.edited_by = actor
    talk.edited_at = now
    fields = ["edited_by", "edited_at"]
    if talk.review_id is not None:
        talk.edited_after_review_at = now
        fields.append("edited_after_review_at")
    return fields


def _require_editor(actor: User, talk: Talk, *, version: int | None = None) -> None:
    """Checks the actor, then locks the row and reloads it: a review may have just signed it,
    and an edit opened on an older `version` is refused."""
    if not access.can_record(actor, talk.unit):
        raise ActionNotAllowed("只有本镇扫黑办工作人员或领导小组成员可以修改谈心谈话记录")
    lock_current(talk, noun="谈话记录", field=None, version=version)


@transaction.atomic
def edit_talk(*, actor: User, talk: Talk, data: TalkEdit, version: int | None = None) -> Talk:
    """更正谈话记录: the office corrects a saved talk; audited with what changed, before → after.

    A talk already reviewed (定期梳理) keeps its review but shows 审阅后修改 and is back in
    the review queue until the next review. The rectification items and leads opened from it
    are not rewritten: they are followed on their own ledgers.
    """
    _require_editor(actor, talk, version=version)
    _check_details(
        town=talk.unit,
        talked_on=data.talked_on,
        place=data.place,
        interviewer=talk.interviewer,
        interviewees=data.interviewees,
        kind=data.kind,
        topics=data.topics,
        content=data.content,
        follow_up=data.follow_up,
    )
    before_people = list(talk.interviewees.order_by("pk"))
    after_people = sorted(set(data.interviewees), key=lambda person: person.pk)
    proposed = {
        "talked_on": data.talked_on,
        "place": data.place.strip()[:100],
        "kind": data.kind,
        "topics": list(dict.fromkeys(data.topics)),
        "other_topics": data.other_topics.strip()[:200],
        "content": data.content.strip(),
        "follow_up": data.follow_up.strip(),
    }
    changes: dict[str, dict[str, object]] = {}
    for name, value in proposed.items():
        if getattr(talk, name) != value:
            changes[name] = {
                "before": _summary_value(getattr(talk, name)),
                "after": _summary_value(value),
            }
    if before_people != after_people:
        changes["interviewees"] = {
            "before": [person.real_name for person in before_people],
            "after": [person.real_name for person in after_people],
        }
    if not changes:
        raise ServiceError("没有修改任何内容")
    was_reviewed = talk.review_id is not None
    for name, value in proposed.items():
        setattr(talk, name, value)
    talk.version += 1
    talk.save(update_fields=[*proposed, "version", *_mark_changed(talk, actor)])
    if "interviewees" in changes:
        talk.interviewees.set(after_people)
    record_event(
        action=AuditAction.TALK_EDITED,
        actor=actor,
        unit=talk.unit,
        target=talk,
        details={"changes": changes, "after_review": was_reviewed},
    )
    return talk


@transaction.atomic
def add_problems(*, actor: User, talk: Talk, problems: list[ProblemInput]) -> list[int]:
    """Problems found in a saved talk go onto the rectification ledger (source 谈心谈话)."""
    _require_editor(actor, talk)
    if not problems:
        raise ServiceError("请填写发现的问题", field="problems")
    opened = _open_problems(actor=actor, talk=talk, problems=problems)
    talk.save(update_fields=_mark_changed(talk, actor))
    record_event(
        action=AuditAction.TALK_PROBLEM_ADDED,
        actor=actor,
        unit=talk.unit,
        target=talk,
        details={"rectification_item_ids": opened},
    )
    return opened


@transaction.atomic
def add_leads(
    *, actor: User, talk: Talk, summaries: list[str], village: Unit | None = None
) -> list[int]:
    """Leads found in a saved talk are registered in the lead register (source 谈心谈话)."""
    _require_editor(actor, talk)
    summaries = [summary.strip() for summary in summaries if summary.strip()]
    if not summaries:
        raise ServiceError("请填写线索的简要内容", field="leads")
    if village is not None and (not village.is_village or village.parent_id != talk.unit_id):
        raise ServiceError("线索所属村须为本镇的村（社区）", field="village")
    registered = _register_leads(actor=actor, talk=talk, summaries=summaries, village=village)
    talk.save(update_fields=_mark_changed(talk, actor))
    record_event(
        action=AuditAction.TALK_LEAD_ADDED,
        actor=actor,
        unit=talk.unit,
        target=talk,
        details={"lead_ids": registered},
    )
    return registered


@transaction.atomic
def review_talks(*, actor: User, unit: Unit, covers_until: date, opinion: str) -> TalkReview:
    """定期梳理: a leader of the town signs off every unreviewed talk up to a date."""
    if not access.can_review(actor, unit):
        raise ActionNotAllowed("只有本镇领导小组组长、副组长可以梳理谈话记录")
    opinion = checked_text(
        opinion, field="opinion", label="梳理意见", limit=TEXT_LIMIT, required=True
    )
    # Lock the rows themselves: a leader reviewing the same talks at once waits, then finds none.
    locked = list(
        Talk.objects.select_for_update()
        .unreviewed()
        .filter(unit=unit, talked_on__lte=covers_until)
        .values_list("pk", "edited_after_review_at")
    )
    count = len(locked)
    if count == 0:
        raise ServiceError("截至该日期没有待梳理的谈话记录", field="covers_until")
    edited = sum(1 for _, edited_at in locked if edited_at is not None)
    talks = Talk.objects.filter(pk__in=[pk for pk, _ in locked])
    review = TalkReview.objects.create(
        unit=unit, reviewer=actor, covers_until=covers_until, opinion=opinion
    )
    # A record corrected after an earlier review moves to this one: it was read again.
    talks.update(review=review, edited_after_review_at=None)
    record_event(
        action=AuditAction.TALKS_REVIEWED,
        actor=actor,
        unit=unit,
        target=review,
        details={
            "talks": count,
            "edited_after_review": edited,
            "covers_until": covers_until.isoformat(),
        },
    )
    staff = list(users_holding(Role.OFFICE_STAFF, on=unit))
    notify(
        recipients=staff,
        title="谈心谈话记录已完成定期梳理",
        body=f"{actor.real_name}梳理了{count}份谈话记录",
        url=reverse("accountability:list"),
        kind=NotificationKind.INFO,
    )
    return review
