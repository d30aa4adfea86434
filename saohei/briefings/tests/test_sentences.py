"""One test per sentence of the generated briefing whose counting rule is easy to get wrong: each
builds records where the wrong rule (counting records of another kind, another period, twice,
or in another state) gives a different number than the words promise. The README lists every
sentence with its rule and the test that holds it.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from saohei.accountability.models import Talk, TalkKind
from saohei.briefings.compose import compose
from saohei.common.dates import chinese_date
from saohei.inspections.models import ArchiveFolder, Finding, InspectionRound, Result
from saohei.leads.models import Conclusion, Lead, Source, Status
from saohei.meetings.models import MaterialKind, Meeting, MeetingKind, MeetingMaterial
from saohei.organisations.models import Unit, UnitKind, User
from saohei.publicity.defaults import KindCode
from saohei.publicity.models import PlaceType, PublicityActivity, PublicityKind
from saohei.rectifications.models import RectificationItem

pytestmark = pytest.mark.django_db


def _section(unit: Unit, key: str, **period: date) -> str:
    briefing = compose(unit, period.get("date_from"), period.get("date_to"))
    return next(section.text for section in briefing.sections if section.key == key)


def _villages(town: Unit) -> list[Unit]:
    kinds = [UnitKind.VILLAGE, UnitKind.COMMUNITY]
    return list(Unit.objects.filter(parent=town, kind__in=kinds).order_by("sort_order", "path"))


def _meeting(town: Unit, kind: MeetingKind, held_on: date) -> Meeting:
    clerk = User.objects.get(username="banshi")
    return Meeting.objects.create(
        unit=town,
        kind=kind,
        title=f"{kind.label}",
        held_on=held_on,
        place="镇会议室",
        chair=User.objects.get(username="shuji"),
        recorder=clerk,
        topics="议题",
        created_by=clerk,
    )


def _round(town: Unit, villages: list[Unit], inspected_on: date) -> InspectionRound:
    inspection = InspectionRound.objects.create(
        unit=town,
        title="档案检查",
        deployed_by="",
        inspected_on=inspected_on,
        created_by=User.objects.get(username="banshi"),
    )
    inspection.villages.set(villages)
    return inspection


# ——— 一、组织领导 ———


def test_analysis_meetings_count_only_analysis_meetings_of_the_period(town):
    # Rule: 线索研判会N次 = meetings of kind 研判 held in the period; not joint meetings, not
    # earlier ones (counting all meetings would say 3次, ignoring the period 2次).
    today = timezone.localdate()
    _meeting(town, MeetingKind.ANALYSIS, today - timedelta(days=3))
    _meeting(town, MeetingKind.ANALYSIS, today - timedelta(days=400))
    _meeting(town, MeetingKind.JOINT, today - timedelta(days=2))

    text = _section(town, "organisation", date_from=today - timedelta(days=30))

    assert "召开线索研判会1次" in text
    assert "召开联席会议1次" in text


def test_a_document_studied_at_two_meetings_is_one_document(town):
    # Rule: 相关文件N份 = distinct documents studied in the period (counting study records: 2份).
    today = timezone.localdate()
    for days in (5, 2):
        meeting = _meeting(town, MeetingKind.STUDY, today - timedelta(days=days))
        MeetingMaterial.objects.create(
            meeting=meeting, kind=MaterialKind.DOCUMENT, title="关于开展扫黑除恶专项斗争的通知"
        )
    second = Meeting.objects.filter(unit=town).order_by("-held_on").first()
    assert second is not None
    MeetingMaterial.objects.create(meeting=second, kind=MaterialKind.CASE, title="某村霸案")

    text = _section(town, "organisation")

    assert "组织集中学习2次" in text
    assert "各级扫黑除恶专项斗争相关文件1份和典型案例1个" in text


# ——— 二、压实责任 ———


def test_the_secretary_talked_with_each_village_head_counted_once(town):
    # Rule: 同N个村级主要负责人 = distinct village heads the secretary talked with (two talks
    # with one head and a talk with a non-head: counting talks or interviewees would say 3).
    secretary = User.objects.get(username="shuji")
    head = User.objects.get(username="cun01")
    clerk = User.objects.get(username="banshi")
    today = timezone.localdate()
    for days, people in ((3, [head]), (2, [head, clerk])):
        talk = Talk.objects.create(
            unit=town,
            talked_on=today - timedelta(days=days),
            place="书记办公室",
            interviewer=secretary,
            kind=TalkKind.ROUTINE,
            content="谈话内容",
            created_by=clerk,
        )
        talk.interviewees.set(people)

    text = _section(town, "responsibility")

    assert "港西镇由镇党委书记同1个村级主要负责人进行谈心谈话" in text


def test_cadre_talks_count_talks_not_the_heads_in_them(town):
    # Rule: 机关干部同村居主要负责人谈心谈话N次 = talks (one talk with two heads is 1次, not 2).
    heads = list(User.objects.filter(username__in=["cun01", "cun02"]))
    talk = Talk.objects.create(
        unit=town,
        talked_on=timezone.localdate(),
        place="村委会",
        interviewer=User.objects.get(username="fushuji"),
        kind=TalkKind.ROUTINE,
        content="谈话内容",
        created_by=User.objects.get(username="banshi"),
    )
    talk.interviewees.set(heads)

    assert "组织机关干部同村居主要负责人谈心谈话1次" in _section(town, "responsibility")


def test_rounds_over_different_villages_are_said_as_rounds_covering_villages(town):
    # Rule: "对M个村居…开展检查N次" only when every round covered all M villages; round 2
    # covering 2 villages is "开展检查2轮，覆盖21个村居", never "21个村居…检查2次".
    villages = _villages(town)
    today = timezone.localdate()
    _round(town, villages, today - timedelta(days=20))
    _round(town, villages[:2], today - timedelta(days=5))

    text = _section(town, "responsibility")

    assert f"组织机关干部对村居扫黑除恶档案设立情况开展检查2轮，覆盖{len(villages)}个村居" in text
    assert "开展检查2次" not in text


def test_rounds_over_the_same_villages_say_each_village_was_checked_n_times(town):
    villages = _villages(town)[:3]
    today = timezone.localdate()
    _round(town, villages, today - timedelta(days=20))
    _round(town, villages, today - timedelta(days=5))

    text = _section(town, "responsibility")

    assert "组织机关干部对3个村居的扫黑除恶档案设立情况开展检查2次" in text


def test_onsite_findings_count_only_what_failed(town):
    # Rule: 对…的N项工作现场列出整改清单 = findings 不规范 or 缺失 (counting all findings: 3).
    village = _villages(town)[0]
    inspection = _round(town, [village], timezone.localdate())
    folders = list(ArchiveFolder.objects.order_by("sort_order", "id")[:3])
    for folder, result in zip(
        folders, (Result.PASSED, Result.MISSING, Result.IRREGULAR), strict=True
    ):
        Finding.objects.create(
            round=inspection,
            village=village,
            folder=folder,
            result=result,
            recorded_by=inspection.created_by,
        )

    text = _section(town, "responsibility")

    assert "对开展不深入、没有落到实处的2项工作" in text


def test_a_past_period_says_its_items_statuses_are_todays(demo_history):
    # Rule: 列入N项 = items entered in the period; 已销号/尚未销号 are today's statuses, so a
    # period that ended earlier dates them today instead of at its own end.
    today = timezone.localdate()
    end = today - timedelta(days=1)
    items = RectificationItem.objects.filter(unit=demo_history)
    items.update(created_at=timezone.now() - timedelta(days=10))
    entered = items.count()

    text = _section(demo_history, "responsibility", date_to=end)

    assert f"截至{chinese_date(end)}，问题整改台账共列入整改事项{entered}项，" in text
    assert f"，截至{chinese_date(today)}已销号" in text


# ——— 三、宣传发动 ———


def test_places_named_are_where_banners_and_slogans_went_up(town):
    # Rule: "在X显著位置悬挂横幅" names the place types of banners and slogans only; boards set
    # up in an enterprise do not make it "在农村、企业".
    handler = User.objects.get(username="banshi")
    today = timezone.localdate()
    for code, place_type in (("banner", PlaceType.RURAL), ("board", PlaceType.ENTERPRISE)):
        PublicityActivity.objects.create(
            town=town,
            occurred_on=today,
            kind=PublicityKind.objects.get(code=code),
            place_type=place_type,
            quantity=Decimal(3),
            handler=handler,
            created_by=handler,
        )

    text = _section(town, "publicity")

    assert "在农村显著位置悬挂横幅" in text
    assert "企业" not in text
    assert "制作宣传横幅3条、宣传板3张" in text


# Each default kind's own words in the briefing, for three of it put up in a community.
KIND_SENTENCES = {
    KindCode.SLOGAN: "张贴各类宣传标语3条",
    KindCode.BANNER: "制作宣传横幅3条",
    KindCode.BOARD: "宣传板3张",
    KindCode.CAR: "安排宣传车进社区共计3次",
    KindCode.LEAFLET: "发放各类宣传明白纸3份",
    KindCode.WECHAT: "发布微信公众号推送文章3期",
    KindCode.LED: "LED屏每天滚动播放扫黑除恶宣传标语已达3个小时",
    KindCode.BROADCAST: "开展IP网络广播3次",
    KindCode.EVENT: "举办集中宣传活动3场",
}


def test_the_kind_codes_are_those_the_databases_hold():
    # Rows in every database carry these codes (migration 0002 seeded them): renaming or
    # dropping one silently drops its sentence from the briefing unless a data migration
    # renames the rows too. Change this list only together with such a migration.
    shipped = ["slogan", "banner", "board", "car", "leaflet", "wechat", "led", "broadcast", "event"]
    assert KindCode.values == shipped
    assert set(PublicityKind.objects.values_list("code", flat=True)) >= set(shipped)


@pytest.mark.parametrize("code", list(KindCode))
def test_every_default_kind_has_its_own_sentence_in_the_briefing(town, code):
    handler = User.objects.get(username="banshi")
    PublicityActivity.objects.create(
        town=town,
        occurred_on=timezone.localdate(),
        kind=PublicityKind.objects.get(code=code),
        place_type=PlaceType.COMMUNITY,
        quantity=Decimal(3),
        handler=handler,
        created_by=handler,
    )

    text = _section(town, "publicity")

    assert KIND_SENTENCES[code] in text, text
    # Not the words for a kind an office added, which the briefing knows only by its name.
    assert f"开展{PublicityKind.objects.get(code=code).name}" not in text


def test_a_kind_an_office_added_is_said_by_its_name(town):
    handler = User.objects.get(username="banshi")
    kind = PublicityKind.objects.create(code="k-quiz", name="有奖问答", unit_label="场")
    PublicityActivity.objects.create(
        town=town,
        occurred_on=timezone.localdate(),
        kind=kind,
        place_type=PlaceType.COMMUNITY,
        quantity=Decimal(2),
        handler=handler,
        created_by=handler,
    )

    assert "开展有奖问答2场" in _section(town, "publicity")


# ——— 四、线索摸排 ———


def test_a_proposed_exclusion_is_not_said_to_be_excluded(demo_history):
    # Rule: 已排除涉黑涉恶可能 counts leads whose conclusion was signed off (已办结/已归档); a
    # 待审核 lead carrying the proposed conclusion is 待审核办结. Counting by conclusion alone
    # said "现已全部排除" while one was still awaiting sign-off.
    upper = Lead.objects.filter(unit=demo_history, source=Source.UPPER_ASSIGNED).order_by("id")
    assert upper.count() == 10
    assert not upper.exclude(conclusion=Conclusion.EXCLUDED).exists()
    Lead.objects.filter(pk=upper[0].pk).update(status=Status.PROPOSED)

    text = _section(demo_history, "leads")

    assert "现已全部排除涉黑涉恶可能" not in text
    assert "上级交办线索中已排除涉黑涉恶可能9件、已核查待审核办结1件。" in text


def test_the_parts_of_a_mixed_group_add_up_to_the_group(demo_history):
    # Every lead of a group is in exactly one outcome: the parts of a mix sum to its number.
    upper = list(
        Lead.objects.filter(unit=demo_history, source=Source.UPPER_ASSIGNED).order_by("id")
    )
    Lead.objects.filter(pk=upper[0].pk).update(status=Status.PROPOSED)
    Lead.objects.filter(pk=upper[1].pk).update(status=Status.REGISTERED, conclusion="")
    Lead.objects.filter(pk=upper[2].pk).update(status=Status.ARCHIVED)

    text = _section(demo_history, "leads")

    assert "上级交办线索中已排除涉黑涉恶可能8件、已登记待交办1件、已核查待审核办结1件。" in text
