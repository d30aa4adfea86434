"""The seed's lead history: 10 leads assigned by 市扫黑办 and 1 villager tip (through the portal),
all investigated with 港西派出所 and concluded 排除涉黑涉恶可能 — plus three open leads so
deadlines show colour."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from saohei.leads import services
from saohei.leads.defaults import seed_defaults
from saohei.leads.models import (
    Channel,
    DictionaryEntry,
    Feedback,
    FollowUp,
    InvestigationEntry,
    Lead,
    LeadEvent,
    LeadEventKind,
    Source,
    SourceTimeLimit,
    SubjectRole,
)
from saohei.organisations.models import Unit, User
from saohei.tips import services as tip_services
from saohei.tips.models import Tip, TipMessage
from saohei.workdays.calendar import add_working_days

ASSIGNED = [
    (
        "反映东岛村有人强揽渔港清淤工程",
        "强揽工程、非法占地、滥开滥采（含渔业捕捞）",
        "东岛村",
        "于某海",
    ),
    ("反映北港村码头有人向渔船收取“停靠费”", "欺行霸市、强买强卖、收保护费", "北港村", "李某军"),
    ("反映海埠村有人放高利贷并上门暴力讨债", "非法高利放贷、暴力讨债", "海埠村", "王某强"),
    ("反映石湾村宗族势力干扰村务", "宗族势力、村霸", "石湾村", "石某东"),
    ("反映渔家疃村有人聚众赌博", "黄赌毒", "渔家疃村", "孙某"),
    ("反映马家寨村征地补偿中有人煽动闹事", "征地拆迁中煽动闹事", "马家寨村", "马某林"),
    (
        "反映后海村海参养殖区被人强占",
        "强揽工程、非法占地、滥开滥采（含渔业捕捞）",
        "后海村",
        "赵某",
    ),
    ("反映青石村有人插手邻里纠纷并索要钱财", "插手民间纠纷", "青石村", "张某彪"),
    ("反映盐场村有人垄断海盐收购", "欺行霸市、强买强卖、收保护费", "盐场村", "刘某"),
    ("反映港湾社区有人组织网络水军造谣", "网络水军、网络黑恶势力", "港湾社区", "陈某"),
]
EXCLUDED_BASIS = (
    "经镇扫黑办会同港西派出所走访调查、调取接处警记录和相关合同，反映情况系{what}，"
    "未发现组织、领导、纠集他人多次实施违法犯罪或欺压群众的情形，排除涉黑涉恶可能。"
)


def _at(day: date, hour: int = 9) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


@dataclass(frozen=True)
class History:
    """When each step of a seed lead really happened (the services stamp "now")."""

    received: date
    investigated: date
    fed_back: date | None = None
    followed_up: date | None = None

    @property
    def signed_off(self) -> date:
        return self.investigated + timedelta(days=1)

    @property
    def archived(self) -> date:
        return max(day for day in (self.signed_off, self.fed_back, self.followed_up) if day) + (
            timedelta(days=1)
        )


def _backdate(lead: Lead, history: History) -> None:
    """Moves a seed lead's timeline to the years it was worked in, so that statistics over 2019
    or 2020 count it as concluded then. Audit events keep their real times: the audit log
    records when the demo was loaded, and its chain must not be rewritten."""
    step_times = {
        LeadEventKind.REGISTERED: _at(history.received, 9),
        LeadEventKind.TRIAGED: _at(history.received, 10),
        LeadEventKind.ASSIGNED: _at(history.received, 10),
        LeadEventKind.SHARED: _at(history.received, 10),
        LeadEventKind.INVESTIGATION: _at(history.investigated, 16),
        LeadEventKind.PROPOSED: _at(history.investigated, 17),
        LeadEventKind.SIGNED_OFF: _at(history.signed_off, 10),
        LeadEventKind.ARCHIVED: _at(history.archived, 9),
    }
    if history.fed_back:
        step_times[LeadEventKind.FED_BACK] = _at(history.fed_back, 10)
    if history.followed_up:
        step_times[LeadEventKind.FOLLOWED_UP] = _at(history.followed_up, 10)
    for kind, moment in step_times.items():
        LeadEvent.objects.filter(lead=lead, kind=kind).update(occurred_at=moment)
    Lead.objects.filter(pk=lead.pk).update(
        assigned_at=step_times[LeadEventKind.ASSIGNED],
        proposed_at=step_times[LeadEventKind.PROPOSED],
        signed_off_at=step_times[LeadEventKind.SIGNED_OFF],
        concluded_at=step_times[LeadEventKind.SIGNED_OFF],
        fed_back_at=step_times.get(LeadEventKind.FED_BACK),
        followed_up_at=step_times.get(LeadEventKind.FOLLOWED_UP),
        archived_at=step_times[LeadEventKind.ARCHIVED],
        created_at=step_times[LeadEventKind.REGISTERED],
        updated_at=step_times[LeadEventKind.ARCHIVED],
    )
    InvestigationEntry.objects.filter(lead=lead).update(
        created_at=step_times[LeadEventKind.INVESTIGATION]
    )
    if history.fed_back:
        Feedback.objects.filter(lead=lead).update(created_at=step_times[LeadEventKind.FED_BACK])
    if history.followed_up:
        FollowUp.objects.filter(lead=lead).update(created_at=step_times[LeadEventKind.FOLLOWED_UP])


def _conclude(lead: Lead, *, office: User, leader: User, police: Unit, on: date, what: str) -> None:
    services.assign_lead(
        actor=office, lead=lead, handling_unit=lead.unit, handler=office, police_unit=police
    )
    services.record_investigation(
        actor=office, lead=lead, occurred_on=on, content=f"会同港西派出所走访核查：{what}。"
    )
    services.propose_conclusion(
        actor=office, lead=lead, conclusion="excluded", basis=EXCLUDED_BASIS.format(what=what)
    )
    services.sign_off(actor=leader, lead=lead, approve=True, note="同意排除")


def load_demo_leads(town: Unit) -> tuple[int, str]:
    """Returns how many leads it created (0 when they are already there) and the receipt of the
    villager's tip ("" when it was created by an earlier run: receipts are never stored)."""
    if Lead.objects.filter(unit=town).exists():
        return 0, ""
    seed_defaults(DictionaryEntry, SourceTimeLimit)
    office = User.objects.get(username="banshi")
    leader = User.objects.get(username="shuji")
    police = Unit.objects.get(name="港西派出所", parent=town)
    villages = {unit.name: unit for unit in Unit.objects.filter(parent=town)}
    categories = {
        entry.name: entry for entry in DictionaryEntry.objects.filter(kind="target_category")
    }
    created = 0

    for n, (summary, category, village_name, subject_name) in enumerate(ASSIGNED, start=1):
        received = date(2019, 2, 18) + timedelta(days=30 * n)
        lead = services.register_lead(
            actor=office,
            unit=town,
            data=services.LeadInput(
                received_at=_at(received),
                channel=Channel.PLATFORM,
                source=Source.UPPER_ASSIGNED,
                upstream_office="荣成市扫黑办",
                upstream_reference=f"荣扫黑办交〔2019〕{n}号",
                upstream_deadline=add_working_days(received, 15),
                summary=summary,
                village=villages[village_name],
                target_category=categories[category],
                subjects=[services.SubjectInput(name=subject_name, village=villages[village_name])],
            ),
        )
        _conclude(
            lead,
            office=office,
            leader=leader,
            police=police,
            on=received + timedelta(days=7),
            what="正常经营或一般民事纠纷",
        )
        services.record_feedback(
            actor=office,
            lead=lead,
            fed_back_on=received + timedelta(days=12),
            recipient="荣成市扫黑办",
            content="经核查，该线索反映问题不属实或属一般治安、民事问题，已排除涉黑涉恶可能。",
        )
        services.archive_lead(actor=office, lead=lead)
        _backdate(
            lead,
            History(
                received=received,
                investigated=received + timedelta(days=7),
                fed_back=received + timedelta(days=12),
            ),
        )
        created += 1

    tip_day = date(2020, 5, 11)
    # The villager's tip arrives through the portal as a real-name tip and banshi accepts it,
    # which registers the lead; the receipt exists only now, so it is handed back to be printed.
    submitted = tip_services.submit_tip(
        unit=town,
        data=tip_services.TipInput(
            content="龙泉村有人多次在夜间拦截运沙车辆，索要“过路费”，不给钱就不让车过去。",
            category=categories["欺行霸市、强买强卖、收保护费"],
            village=villages["龙泉村"],
            occurred_when="2020年4月以来，多在夜间",
            place="龙泉村村口运沙路段",
            persons=[
                tip_services.PersonInput(name="龙某", alias="龙三", village=villages["龙泉村"])
            ],
            reporter=services.ReporterInput(name="（演示）村民甲", phone="13800000000"),
        ),
    )
    # The seed's date: the tip came in on 2020-05-11.
    Tip.objects.filter(pk=submitted.tip.pk).update(submitted_at=_at(tip_day, 10))
    tip = tip_services.accept_tip(
        actor=office,
        tip=submitted.tip,
        summary="村民网络举报龙泉村有人多次在夜间拦截运沙车辆索要“过路费”",
    )
    _conclude(
        tip,
        office=office,
        leader=leader,
        police=police,
        on=tip_day + timedelta(days=5),
        what="运输纠纷，系个人讨要欠款",
    )
    answer = tip_services.send_message_to_reporter(
        actor=office,
        tip=submitted.tip,
        body="您反映的问题已会同派出所核查办结：系运输纠纷引起的个人讨要欠款，"
        "未发现涉黑涉恶情形。感谢您的支持。",
    )
    answered_at = _at(tip_day + timedelta(days=6), 15)
    TipMessage.objects.filter(pk=answer.pk).update(created_at=answered_at)
    Tip.objects.filter(pk=submitted.tip.pk).update(last_office_message_at=answered_at)
    services.record_follow_up(
        actor=office,
        lead=tip,
        data=services.FollowUpInput(
            contacted_on=tip_day + timedelta(days=20),
            method="电话",
            satisfaction="satisfied",
            notes="举报人对核查结果表示认可。",
        ),
    )
    services.archive_lead(actor=office, lead=tip)
    _backdate(
        tip,
        History(
            received=tip_day,
            investigated=tip_day + timedelta(days=5),
            followed_up=tip_day + timedelta(days=20),
        ),
    )
    Tip.objects.filter(pk=submitted.tip.pk).update(decided_at=_at(tip_day, 14))
    created += 1

    today = timezone.localdate()
    open_leads = [
        (Source.SELF_FOUND, "摸排发现西岛村有人以“看场”为名向养殖户收钱", "西岛村", 28),
        (Source.TALK, "谈心谈话中村干部反映柳树庄村有外地人员放贷", "柳树庄村", 34),
        (Source.PLATFORM_12337, "12337平台下发：反映大疃村有人强揽村内道路工程", "大疃村", 2),
    ]
    for source, summary, village_name, working_days_ago in open_leads:
        received = add_working_days(today, -working_days_ago)
        lead = services.register_lead(
            actor=office,
            unit=town,
            data=services.LeadInput(
                received_at=_at(received),
                channel=Channel.PLATFORM if source == Source.PLATFORM_12337 else Channel.IN_PERSON,
                source=source,
                summary=summary,
                village=villages[village_name],
                subjects=[
                    services.SubjectInput(
                        name="（待核实）", role=SubjectRole.REPORTED, village=villages[village_name]
                    )
                ],
            ),
        )
        if working_days_ago > 20:
            services.assign_lead(actor=office, lead=lead, handling_unit=villages[village_name])
        created += 1
    return created, submitted.receipt
