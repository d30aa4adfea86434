"""The seed's 组织领导: a monthly 研判会 (one month missed), a 联席会议 with the 派出所, a 专题会议
studying documents and typical cases whose decisions went on the ledger or became tasks (one
open, one done), and a self-inspection whose two problems reach the ledger.

Created through the real services, as the office would, relative to today.
"""

from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from saohei.common.uploads import check_uploads
from saohei.leads.access import visible_leads
from saohei.meetings import self_inspection, services
from saohei.meetings.models import (
    Assessment,
    Frequency,
    MaterialKind,
    Meeting,
    MeetingKind,
    SelfInspection,
    Task,
)
from saohei.organisations.models import Unit, User

# A minimal PDF: the attachment of the demo's studied document.
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

OFFICE_PEOPLE = ["shuji", "zhenzhang", "fushuji", "jiaodaoyuan", "banshi"]

REQUIREMENTS = [
    "成立扫黑除恶专项斗争领导小组，明确办公室和专职工作人员",
    "每月至少召开一次线索研判会，形成研判记录",
    "村级扫黑除恶档案规范齐全，线索摸排零报告按月报送",
    "宣传发动覆盖全部村居，群众知晓率达到90%以上",
]


def _month_start(today: date, months_back: int) -> date:
    index = today.year * 12 + today.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def _people(names: list[str]) -> list[User]:
    return list(User.objects.filter(username__in=names))


def load_demo_tasks(town: Unit) -> int:
    """Two decisions of the 专题会议 handed on as tasks, once: one open, one done."""
    topic = Meeting.objects.filter(unit=town, kind=MeetingKind.TOPIC).order_by("id").first()
    if topic is None or Task.objects.filter(unit=town).exists():
        return 0
    office = User.objects.get(username="banshi")
    head = User.objects.get(username="cun01")
    police = User.objects.get(username="suozhang")
    today = timezone.localdate()
    open_decision = services.add_decision(
        actor=office,
        meeting=topic,
        data=services.DecisionInput(
            text="港西村对照典型案例梳理村“两委”成员近亲属经营情况，形成书面报告",
            owner=head,
            working_days=15,
        ),
    )
    services.decision_to_task(actor=office, decision=open_decision, due_on=today + timedelta(3))
    done_decision = services.add_decision(
        actor=office,
        meeting=topic,
        data=services.DecisionInput(
            text="派出所通报近三个月渔港码头治安警情，供下次研判会分析",
            owner=police,
            due_on=today + timedelta(days=10),
        ),
    )
    done = services.decision_to_task(actor=office, decision=done_decision)
    services.complete_task(
        actor=police,
        task=done,
        result="已书面通报渔港码头警情12起，其中强行揽客2起，已转镇扫黑办研判",
    )
    return 2


def load_demo_meetings(town: Unit) -> int:
    """Create the demo's meetings and self-inspection once; returns how many were created.

    The tasks are added on their own check, so that a demo loaded before tasks existed gets them.
    """
    if Meeting.objects.filter(unit=town).exists():
        load_demo_tasks(town)
        return 0
    today = timezone.localdate()
    office = User.objects.get(username="banshi")
    leader = User.objects.get(username="shuji")
    created = 0

    # 定期研判: the 10th of every month for five months; the third month back was missed.
    services.set_schedule(
        actor=office,
        unit=town,
        data=services.ScheduleInput(
            kind=MeetingKind.ANALYSIS,
            frequency=Frequency.MONTHLY,
            interval=1,
            day=10,
            starts_on=_month_start(today, 5),
        ),
    )
    leads = list(visible_leads(office).order_by("id")[:2])
    for months_back in (5, 4, 2, 1):
        held_on = _month_start(today, months_back).replace(day=10)
        meeting = services.record_meeting(
            actor=office,
            unit=town,
            kind=MeetingKind.ANALYSIS,
            record=services.MeetingRecord(
                title=f"{held_on:%Y年%-m月}扫黑除恶线索研判会",
                held_on=held_on,
                place="镇政府三楼会议室",
                chair=leader,
                recorder=office,
                attendees=_people([*OFFICE_PEOPLE, "suozhang"]),
                topics="研判本月新受理线索；通报在办线索进展",
                reported="本月新受理线索均已按时转办，在办线索无超期",
                minutes="逐条研判线索，明确核查责任人和时限",
            ),
        )
        created += 1
        if months_back == 1:
            for lead in leads:
                services.record_lead_opinion(
                    actor=office,
                    meeting=meeting,
                    lead=lead,
                    opinion="暂未发现涉黑涉恶迹象，由派出所继续核查后报结",
                )

    joint_on = _month_start(today, 1).replace(day=18)
    services.record_meeting(
        actor=office,
        unit=town,
        kind=MeetingKind.JOINT,
        record=services.MeetingRecord(
            title="镇扫黑办与派出所情报联动联席会议",
            held_on=joint_on,
            place="港西派出所会议室",
            chair=User.objects.get(username="jiaodaoyuan"),
            recorder=office,
            attendees=_people(["jiaodaoyuan", "suozhang", "minjing", "banshi", "fushuji"]),
            topics="线索信息互通；治安案件倒查情况",
            reported="派出所通报近期治安案件倒查情况",
        ),
    )
    created += 1

    study_on = today - timedelta(days=20)
    document = check_uploads(
        [SimpleUploadedFile("上级文件.pdf", PDF, content_type="application/pdf")]
    )[0]
    topic = services.record_meeting(
        actor=office,
        unit=town,
        kind=MeetingKind.TOPIC,
        record=services.MeetingRecord(
            title="扫黑除恶常态化专题会议暨典型案例学习",
            held_on=study_on,
            place="镇政府三楼会议室",
            chair=leader,
            recorder=office,
            attendees=_people([*OFFICE_PEOPLE, "cun01", "cun02"]),
            topics="学习上级文件；剖析典型案例；部署下阶段工作",
            reported="全镇21个村居线索摸排零报告按月报送",
            minutes="会议要求各村居对照典型案例开展自查，补齐档案短板",
            materials=[
                services.MaterialIn(
                    MaterialKind.DOCUMENT, "关于常态化开展扫黑除恶斗争的通知", document
                ),
                services.MaterialIn(MaterialKind.CASE, "某县“村霸”把持基层组织典型案例"),
            ],
        ),
    )
    created += 1
    decision = services.add_decision(
        actor=office,
        meeting=topic,
        data=services.DecisionInput(
            text="各村居在渔港码头、集市等人员密集处增设宣传板",
            owner=office,
            due_on=today + timedelta(days=30),
        ),
    )
    services.decision_to_rectification(
        actor=office,
        decision=decision,
        measures="镇扫黑办统一制作宣传板，各村居负责安装并拍照报送",
        responsible_leader=leader,
    )
    load_demo_tasks(town)

    if not SelfInspection.objects.filter(unit=town).exists():
        inspection = self_inspection.record_self_inspection(
            actor=office,
            unit=town,
            document_title="关于开展扫黑除恶常态化自查自纠工作的通知",
            document_number="荣扫黑办发〔2026〕5号",
            document_on=today - timedelta(days=40),
            inspected_on=today - timedelta(days=30),
            requirements=REQUIREMENTS,
        )
        results = [
            (Assessment.MET, ""),
            (Assessment.MOSTLY_MET, "有一个月研判会未按时召开"),
            (Assessment.NOT_MET, "部分村零报告缺期"),
            (Assessment.MET, ""),
        ]
        requirements = list(inspection.requirements.all())
        for requirement, (assessment, note) in zip(requirements, results, strict=True):
            self_inspection.assess_requirement(
                actor=office, requirement=requirement, assessment=assessment, note=note
            )
        self_inspection.record_problem(
            actor=office,
            inspection=inspection,
            data=self_inspection.ProblemInput(
                requirement=requirements[1],
                description="定期研判机制落实不严，有一个月未召开线索研判会",
                measures="严格执行每月10日研判会制度，缺会次月补开并说明原因",
                responsible_leader=leader,
                responsible_person=office,
                working_days=10,
            ),
        )
        village = Unit.objects.get(name="西岛村", parent=town)
        head = User.objects.filter(unit=village).order_by("username").first() or office
        self_inspection.record_problem(
            actor=office,
            inspection=inspection,
            data=self_inspection.ProblemInput(
                requirement=requirements[2],
                description="西岛村线索摸排零报告缺少两期",
                measures="补齐零报告并由村党支部书记签字，今后按月报送",
                responsible_leader=leader,
                responsible_person=head,
                village=village,
                working_days=10,
            ),
        )
        created += 1
    return created
