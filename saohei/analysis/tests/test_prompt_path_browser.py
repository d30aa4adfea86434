"""In Chromium, the seed's path end to end: the police station's cases are imported through the
import page; the background worker runs the import and the registry's refresh; a 研判提示 appears
for the leader; its link chart draws; the 研判会 confirms it and a 研判发现 lead is registered
with the members as 被反映人."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from saohei.analysis.changes import refresh_pending
from saohei.analysis.models import Prompt
from saohei.analysis.tests.registry_helpers import id_number
from saohei.cases import services as case_services
from saohei.cases.models import ImportJob
from saohei.cases.tests.helpers import case_row, person_row, xlsx_file
from saohei.leads.models import Lead, Source
from saohei.meetings import services as meeting_services
from saohei.meetings.models import MeetingKind
from saohei.organisations.models import Unit, User
from saohei.testing.browser import sign_in

pytestmark = pytest.mark.browser

CREW = [("张大虎", "纠集者", 1), ("李二狗", "参与者", 2), ("王三", "参与者", 3)]
CASES = [
    ("YJ-2023-001", "寻衅滋事", "刑事", "2023-03-01"),
    ("YJ-2023-002", "强迫交易", "治安", "2023-06-10"),
    ("YJ-2023-003", "故意伤害", "刑事", "2023-11-20"),
]


def _workbook(tmp_path: Path) -> Path:
    file = xlsx_file(
        cases=[
            case_row(number=number, cause=cause, nature=nature, occurred=day, motive="单纯牟利")
            for number, cause, nature, day in CASES
        ],
        persons=[
            person_row(number=number, name=name, id_number=id_number(serial), role=role)
            for number, *_ in CASES
            for name, role, serial in CREW
        ],
    )
    path = tmp_path / "派出所案件.xlsx"
    path.write_bytes(file.read())
    return path


def test_import_then_prompt_then_chart_then_the_meeting_confirms_it(
    page: Page, demo_live: str, tmp_path: Path
) -> None:
    town = Unit.objects.get(name="港西镇")
    leader = User.objects.get(username="shuji")
    meeting = meeting_services.record_meeting(
        actor=User.objects.get(username="banshi"),
        unit=town,
        kind=MeetingKind.ANALYSIS,
        record=meeting_services.MeetingRecord(
            title="第四季度研判会",
            held_on=timezone.localdate() - timedelta(days=1),
            place="镇政府会议室",
            chair=leader,
            recorder=User.objects.get(username="banshi"),
            attendees=[leader],
            topics="研判系统提示",
        ),
    )

    # The clerk uploads the station's workbook.
    sign_in(page, demo_live, "banshi")
    page.goto(f"{demo_live}/cases/imports/")
    page.locator('input[name="file"]').set_input_files(str(_workbook(tmp_path)))
    page.get_by_role("button", name="上传并导入").click()
    expect(page.get_by_test_id("import-status")).to_be_visible()
    # What the background worker does: the import, then the registry's refresh it enqueues.
    case_services.run_import_job(job_id=ImportJob.objects.get().pk)
    refresh_pending()
    prompt = Prompt.objects.get()
    page.get_by_test_id("logout").click()

    # The leader finds the prompt, reads why, and opens its chart.
    sign_in(page, demo_live, "shuji")
    page.goto(f"{demo_live}/analysis/prompts/")
    page.get_by_role("link", name=prompt.get_level_display()).first.click()
    expect(page.get_by_test_id("explanation")).to_contain_text("张大虎")
    expect(page.get_by_test_id("prompt-incidents")).to_contain_text("YJ-2023-003")
    page.get_by_test_id("prompt-chart").click()
    expect(page.locator("[data-link-chart] canvas")).to_have_count(1)
    nodes = page.get_by_test_id("chart-nodes")
    for text in ("张大虎", "李二狗", "王三", "YJ-2023-001", "YJ-2023-003"):
        expect(nodes).to_contain_text(text)
    page.go_back()

    # The 研判会 confirms it: a lead is registered with the members as 被反映人.
    form = page.get_by_test_id("confirm-form")
    form.locator("select").select_option(str(meeting.pk))
    form.locator("textarea").fill("经研判会研究，三人多次结伙滋事，转为线索会同派出所核查")
    form.get_by_role("button", name="确认并登记线索").click()
    expect(page.get_by_test_id("decision")).to_contain_text("登记线索")
    lead = Lead.objects.get(source=Source.ANALYSIS)
    assert sorted(lead.subjects.values_list("name", flat=True)) == ["张大虎", "李二狗", "王三"]
    page.get_by_role("link", name=lead.number).click()
    expect(page).to_have_url(f"{demo_live}/leads/{lead.pk}/")
    expect(page.locator("body")).to_contain_text("张大虎")
