from datetime import date, timedelta

import pytest
from django.utils import timezone

from saohei.briefings.compose import compose, period_label
from saohei.cases.models import CaseReview, ReviewConclusion
from saohei.common.dates import chinese_date
from saohei.leads.models import OPEN_STATUSES, Conclusion, Lead, Source, Status
from saohei.publicity.models import PublicityActivity
from saohei.publicity.queries import kind_totals

ORGANISATION = (
    "港西镇成立了由镇党委书记和镇长任组长，副书记、派出所教导员任副组长的扫黑除恶专项斗争领导小组，"
    "下设领导小组办公室，建立定期研判机制，共召开线索研判会4次；对照上级文件要求，积极开展自查自纠1次，"
    "列出问题清单2项，明确责任人和整改期限；与派出所建立情报联动、信息互通机制，召开联席会议1次，"
    "为深入推进扫黑除恶专项斗争形成强大合力提供保障。召开扫黑除恶专项斗争专题会议1次，"
    "班子成员带头认真学习各级扫黑除恶专项斗争相关文件1份和典型案例1个，进一步提高政治站位，"
    "坚持把扫黑除恶专项斗争作为重大政治任务。"
)
RESPONSIBILITY = (
    "港西镇由镇党委书记同21个村级主要负责人及派出所教导员、所长进行谈心谈话，"
    "并就夯实基础、宣传发动、线索摸查等工作进行强调部署，引导农村干部增强政治意识。"
    "组织机关干部同村居主要负责人谈心谈话3次，开展谈心谈话记录定期梳理1次，列出问题清单2项，"
    "要求每个村居负责人对照清单查摆扫黑除恶专项斗争工作中存在的问题，明确整改措施和整改期限，"
    "做到问题清单化、清单责任化。根据荣成市扫黑办的统一部署要求，组织机关干部对21个村居的"
    "扫黑除恶档案设立情况开展检查1次，对开展不深入、没有落到实处的5项工作，现场列出整改清单，"
    "要求限期整改完善，确保扫黑除恶工作在基层得以高效推进。截至{end}，问题整改台账共列入整改事项15项，"
    "已销号1项，尚未销号14项，其中超过整改期限2项，已督促限期整改。"
)
PUBLICITY_TOTALS = (
    "截至{end}，张贴各类宣传标语450条，制作宣传横幅120条、宣传板180张，"
    "安排宣传车进社区、进农村、进园区共计200余次，发放各类宣传明白纸6800份，发布微信公众号推送文章6期，"
    "开展IP网络广播12次，举办集中宣传活动3场，LED屏每天滚动播放扫黑除恶宣传标语已达1800多个小时。"
)
LEADS = (
    "在前期宣传动员、线索摸排的基础上，港西镇协同派出所对2012年以来的15起治安案件进行深排查、挖根源，"
    "认真转办上级的10件交办线索，现已全部排除涉黑涉恶可能。通过线索摸排收到群众举报线索1起，"
    "与派出所联合调查后，已排除涉黑涉恶可能。此外，受理12337平台下发线索1件、自行摸排线索1件、"
    "谈心谈话发现线索1件，其中已登记待交办1件、正在核查2件。"
)


def _sections(briefing):
    return {section.key: section for section in briefing.sections}


@pytest.mark.django_db
def test_demo_briefing_reads_like_the_founding_report(demo_history):
    today = timezone.localdate()
    end = chinese_date(today)
    briefing = compose(demo_history, today=today)

    sections = _sections(briefing)
    assert [s.heading for s in briefing.sections] == [
        "",
        "一、组织领导",
        "二、压实责任",
        "三、宣传发动",
        "四、线索摸排",
    ]
    assert briefing.title == "港西镇扫黑除恶专项斗争工作简报"
    assert sections["organisation"].text == ORGANISATION
    assert sections["responsibility"].text == RESPONSIBILITY.format(end=end)
    assert sections["leads"].text == LEADS
    publicity = sections["publicity"].text
    assert publicity.startswith(
        "港西镇采取集中宣传与日常宣传相结合的方法，进一步营造浓厚的扫黑除恶专项斗争氛围。"
    )
    assert publicity.endswith(PUBLICITY_TOTALS.format(end=end))


@pytest.mark.django_db
def test_demo_briefing_states_the_seeds_figures(demo_history):
    briefing = compose(demo_history)
    text = briefing.text

    # The ledger's exact totals behind the rounded words (publicity.queries.kind_totals agrees).
    totals = {
        total.kind.code: total.quantity
        for total in kind_totals(PublicityActivity.objects.filter(town=demo_history).current())
    }
    for code, expected in {
        "slogan": 450,
        "banner": 120,
        "board": 180,
        "car": 206,
        "leaflet": 6800,
        "wechat": 6,
        "led": 1836,
    }.items():
        assert briefing.values[f"publicity.{code}"] == expected == totals[code], code

    for phrase in (
        "21个村级主要负责人",
        "张贴各类宣传标语450条",
        "制作宣传横幅120条、宣传板180张",
        "共计200余次",
        "发放各类宣传明白纸6800份",
        "发布微信公众号推送文章6期",
        "已达1800多个小时",
        "对2012年以来的15起治安案件",
        "认真转办上级的10件交办线索，现已全部排除涉黑涉恶可能",
        "群众举报线索1起",
    ):
        assert phrase in text, phrase


@pytest.mark.django_db
def test_every_number_segment_names_a_figure_with_its_value(demo_history):
    briefing = compose(demo_history)

    numbers = [
        segment
        for section in briefing.sections
        for paragraph in section.paragraphs
        for segment in paragraph
        if segment.figure
    ]
    assert len(numbers) > 30
    assert all(segment.figure in briefing.values for segment in numbers)


def test_a_town_with_only_its_leading_group_says_plainly_there_is_nothing_else(town):
    briefing = compose(town)

    sections = _sections(briefing)
    assert sections["organisation"].text == (
        "港西镇成立了由镇党委书记和镇长任组长，副书记、派出所教导员任副组长的"
        "扫黑除恶专项斗争领导小组，下设领导小组办公室。"
    )
    assert (
        sections["responsibility"].text == "本期未录入谈心谈话、档案检查和问题整改方面的工作记录。"
    )
    assert sections["publicity"].text == "本期未录入宣传活动记录。"
    assert sections["leads"].text == "本期未受理线索，也未开展治安案件倒查。"
    assert briefing.values == {key: 0 for key in briefing.values}


def test_a_town_without_a_leading_group_reports_no_organisation_either(other_town):
    assert _sections(compose(other_town))["organisation"].text == (
        "本期未录入领导小组、会议和自查自纠方面的工作记录。"
    )


@pytest.mark.django_db
def test_a_recent_period_leaves_out_the_2019_leads_and_case_reviews(demo_history):
    today = timezone.localdate()
    briefing = compose(demo_history, today - timedelta(days=120), today)

    leads = _sections(briefing)["leads"].text
    assert leads == (
        "港西镇受理12337平台下发线索1件、自行摸排线索1件、谈心谈话发现线索1件，"
        "其中已登记待交办1件、正在核查2件。"
    )
    assert briefing.period_label.endswith(f"至{today.year}年{today.month}月{today.day}日")


@pytest.mark.django_db
def test_an_old_period_has_only_the_seeds_lead_history(demo_history):
    briefing = compose(demo_history, date(2019, 1, 1), date(2020, 12, 31))

    sections = _sections(briefing)
    assert sections["leads"].text.startswith(
        "在前期宣传动员、线索摸排的基础上，港西镇协同派出所对2012年以来的15起治安案件"
    )
    assert "此外" not in sections["leads"].text
    assert (
        sections["responsibility"].text == "本期未录入谈心谈话、档案检查和问题整改方面的工作记录。"
    )
    assert sections["intro"].text.startswith("2019年1月1日至2020年12月31日，港西镇认真贯彻")


def test_period_labels_end_on_a_day_never_at_an_unnamed_now():
    today = date(2026, 12, 4)
    assert period_label(None, None, today=today) == "截至2026年12月4日"
    assert period_label(None, date(2026, 6, 30), today=today) == "截至2026年6月30日"
    assert period_label(date(2026, 1, 1), None, today=today) == "2026年1月1日至2026年12月4日"
    assert (
        period_label(date(2026, 1, 1), date(2026, 6, 30), today=today)
        == "2026年1月1日至2026年6月30日"
    )


def test_group_titles_are_not_repeated_within_the_sentence():
    from saohei.briefings.compose import elide_organs, join_and

    said: set[str] = set()
    assert elide_organs(["镇党委书记", "镇长"], said) == ["镇党委书记", "镇长"]
    assert elide_organs(["镇党委副书记", "派出所教导员"], said) == ["副书记", "派出所教导员"]
    assert elide_organs(["派出所教导员", "派出所所长"], set()) == ["派出所教导员", "所长"]
    assert join_and(["甲", "乙", "丙"]) == "甲、乙和丙"


@pytest.mark.django_db
def test_mixed_outcomes_are_counted_one_by_one(demo_history):
    # Arrange states no service reaches in one step: one case became a lead, two assigned leads
    # ended otherwise than excluded.
    review = CaseReview.objects.filter(case__unit=demo_history).order_by("id")[0]
    CaseReview.objects.filter(pk=review.pk).update(conclusion=ReviewConclusion.TO_LEAD)
    upper = list(
        Lead.objects.filter(unit=demo_history, source=Source.UPPER_ASSIGNED).order_by("id")
    )
    Lead.objects.filter(pk=upper[0].pk).update(conclusion=Conclusion.UNFOUNDED)
    Lead.objects.filter(pk=upper[1].pk).update(conclusion="", status=Status.INVESTIGATING)

    leads = _sections(compose(demo_history))["leads"].text

    assert leads.startswith(
        "在前期宣传动员、线索摸排的基础上，港西镇协同派出所对2012年以来的15起治安案件进行深排查、挖根源，"
        "认真转办上级的10件交办线索；倒查案件中排除涉黑涉恶可能14起，转为线索核查1起；"
        "上级交办线索中已排除涉黑涉恶可能8件、经核查线索不实1件、正在核查1件。"
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "wording"),
    [
        (Status.REGISTERED, "均已登记，正在研判交办"),
        (Status.TRIAGED, "均已登记，正在研判交办"),
        (Status.ASSIGNED, "目前均在核查中"),
        (Status.INVESTIGATING, "目前均在核查中"),
        (Status.PROPOSED, "均已核查完毕，正在审核办结"),
    ],
)
def test_each_open_state_is_worded_as_what_it_is(demo_history, status, wording):
    open_leads = Lead.objects.filter(unit=demo_history, status__in=OPEN_STATUSES)
    assert open_leads.count() == 3
    open_leads.update(status=status, conclusion="")

    leads = _sections(compose(demo_history))["leads"].text

    assert leads.endswith(f"谈心谈话发现线索1件，{wording}。")


@pytest.mark.django_db
def test_a_single_registered_tip_is_not_said_to_be_under_investigation(demo_history):
    tip = Lead.objects.get(unit=demo_history, source=Source.PUBLIC_REPORT)
    Lead.objects.filter(pk=tip.pk).update(status=Status.REGISTERED, conclusion="")

    leads = _sections(compose(demo_history))["leads"].text

    assert "通过线索摸排收到群众举报线索1起，已登记，正在研判交办。" in leads
    assert "核查中" not in leads.split("此外")[0]
