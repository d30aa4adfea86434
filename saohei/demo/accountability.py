"""The seed's 压实责任 story: the secretary's talks with all 21 village heads and the police
chief and instructor, cadres' talks, a periodic review, and an archive inspection round whose
findings go onto the villages' on-site rectification lists.

Created through the real services, as the office would; loaded once (skipped if talks exist).
"""

from datetime import timedelta

from django.utils import timezone

from saohei.accountability import services as talks
from saohei.accountability.models import Talk, TalkKind, Topic
from saohei.common.roles import Role
from saohei.inspections import services as inspections
from saohei.inspections.models import ArchiveFolder, Result
from saohei.organisations.models import Unit, User
from saohei.organisations.queries import users_holding

TOPICS = [Topic.FOUNDATION, Topic.PUBLICITY, Topic.LEAD_SCREENING]

# village, folder, result, note: the round's findings that are not 合格.
FINDINGS = [
    ("东岛村", "线索摸排（含零报告）", Result.MISSING, "缺少近两个月的线索摸排零报告"),
    ("北港村", "宣传发动", Result.IRREGULAR, "宣传活动记录无照片、无参加人员签到"),
    ("西岛村", "谈心谈话", Result.IRREGULAR, "谈心谈话记录缺少谈话对象签字"),
    ("南岭村", "矛盾纠纷排查", Result.MISSING, "矛盾纠纷排查台账未建立"),
    ("海埠村", "整改清单及销号材料", Result.IRREGULAR, "整改销号材料未附佐证"),
]


def load_demo_accountability(town: Unit) -> int:
    """Create the demo's talks, review and inspection once; returns how many records."""
    if Talk.objects.filter(unit=town).exists():
        return 0
    secretary = User.objects.get(username="shuji")
    deputy = User.objects.get(username="fushuji")
    office = User.objects.get(username="banshi")
    today = timezone.localdate()
    villages = list(town.children.filter(is_active=True).order_by("sort_order", "path"))
    villages = [village for village in villages if village.is_village]
    heads = {
        village.pk: users_holding(Role.VILLAGE_HEAD, on=village, include_inactive=True).first()
        for village in villages
    }
    created = 0
    for offset, village in enumerate(villages):
        head = heads[village.pk]
        if head is None:
            continue
        talks.record_talk(
            actor=office,
            unit=town,
            data=talks.TalkInput(
                talked_on=today - timedelta(days=60 - offset),
                place="镇党委会议室",
                interviewer=secretary,
                interviewees=[head],
                recorder=office,
                kind=TalkKind.ROUTINE,
                topics=list(TOPICS),
                content=(
                    f"听取{village.name}扫黑除恶工作汇报，要求夯实基层基础、加强宣传发动，"
                    "对村内线索做到应摸尽摸、零报告按月报送。"
                ),
                follow_up="一个月内报送线索摸查情况",
            ),
        )
        created += 1
    police = list(User.objects.filter(username__in=["suozhang", "jiaodaoyuan"]).order_by("pk"))
    talks.record_talk(
        actor=office,
        unit=town,
        data=talks.TalkInput(
            talked_on=today - timedelta(days=35),
            place="港西派出所",
            interviewer=secretary,
            interviewees=police,
            recorder=office,
            kind=TalkKind.SPECIAL,
            topics=list(TOPICS),
            content="通报全镇线索摸排情况，要求派出所加强与镇扫黑办的信息互通和线索核查。",
        ),
    )
    created += 1
    # Cadres' follow-up talks with a few village heads, one of which found a problem.
    for offset, village in enumerate(villages[:3]):
        head = heads[village.pk]
        if head is None:
            continue
        problems = []
        if offset == 0:
            problems = [
                talks.ProblemInput(
                    description=f"{village.name}村“两委”成员对举报渠道知晓率不高",
                    measures="组织村“两委”成员集中学习应知应会，镇扫黑办抽查",
                    responsible_person=head,
                    responsible_leader=secretary,
                    village=village,
                )
            ]
        talks.record_talk(
            actor=office,
            unit=town,
            data=talks.TalkInput(
                talked_on=today - timedelta(days=20 - offset),
                place=f"{village.name}村委会",
                interviewer=deputy,
                interviewees=[head],
                recorder=office,
                kind=TalkKind.REMINDER,
                topics=[Topic.LEAD_SCREENING],
                other_topics="应知应会",
                content="提醒按时报送线索摸排零报告，核对村级档案是否齐全。",
                problems=problems,
            ),
        )
        created += 1
    talks.review_talks(
        actor=secretary,
        unit=town,
        covers_until=today - timedelta(days=30),
        opinion="谈话覆盖全部村居和派出所主要负责人，记录规范；后续加强问题整改跟踪。",
    )
    created += 1
    # The office adds the follow-up to the police talk after the review: 审阅后修改, queued again.
    police_talk = Talk.objects.filter(unit=town, kind=TalkKind.SPECIAL).first()
    if police_talk is not None:
        talks.edit_talk(
            actor=office,
            talk=police_talk,
            data=talks.TalkEdit(
                talked_on=police_talk.talked_on,
                place=police_talk.place,
                interviewees=list(police_talk.interviewees.all()),
                kind=police_talk.kind,
                topics=list(police_talk.topics),
                other_topics=police_talk.other_topics,
                content=police_talk.content,
                follow_up="派出所每月5日前向镇扫黑办通报线索核查情况",
            ),
        )

    inspection = inspections.create_round(
        actor=office,
        unit=town,
        data=inspections.RoundInput(
            title="2026年村级扫黑除恶档案检查",
            deployed_by="荣成市扫黑办",
            inspected_on=today - timedelta(days=7),
            inspectors=[office, deputy],
            villages=villages,
            working_days=10,
        ),
    )
    created += 1
    folders = {folder.name: folder for folder in ArchiveFolder.objects.filter(is_active=True)}
    by_name = {village.name: village for village in villages}
    for village_name, folder_name, result, note in FINDINGS:
        if village_name not in by_name or folder_name not in folders:
            continue
        inspections.record_finding(
            actor=office,
            inspection=inspection,
            village=by_name[village_name],
            folder=folders[folder_name],
            result=result,
            note=note,
        )
        created += 1
    # The first village passed every other folder: a complete row on its status page.
    first = villages[0]
    for folder in folders.values():
        if not inspection.findings.filter(village=first, folder=folder).exists():
            inspections.record_finding(
                actor=office,
                inspection=inspection,
                village=first,
                folder=folder,
                result=Result.PASSED,
            )
            created += 1
    return created
