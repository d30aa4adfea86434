"""村"两委"候选人资格联审: reading the list, checking it against the registry, the pages."""

import io
import itertools
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from saohei.analysis import services
from saohei.analysis.models import FindingKind, VettingCandidate, VettingResult, VettingRun
from saohei.analysis.tests.registry_helpers import P, id_number, make_case
from saohei.analysis.vetting import check_candidates, read_candidates
from saohei.audit.models import AuditAction, AuditEvent, AuditResult
from saohei.cases.importing import CSV, XLSX
from saohei.cases.models import Nature
from saohei.common.changes import people_changed
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.common.pii import mask_id_number
from saohei.leads.models import Channel, Conclusion, Lead, Source, Status, Subject, SubjectRole
from saohei.organisations.models import Unit, UnitKind, User
from saohei.organisations.services import build_unit
from saohei.testing.officebombs import styled_cells_bomb

pytestmark = pytest.mark.django_db

HEADER = ["村", "姓名", "身份证号", "拟任职务"]
_lead_numbers = itertools.count(1)


@pytest.fixture
def dongdao(town: Unit) -> Unit:
    return Unit.objects.get(name="东岛村")


@pytest.fixture
def beigang(town: Unit) -> Unit:
    return Unit.objects.get(name="北港村")


def csv_file(rows: list[list[str]], *, encoding: str = "gbk", name: str = "名单.csv") -> Any:
    text = "\r\n".join(",".join(row) for row in [HEADER, *rows]) + "\r\n"
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def xlsx_file(rows: list[list[Any]], *, name: str = "名单.xlsx", title_line: bool = True) -> Any:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "候选人"
    if title_line:
        sheet.append(["2026年港西镇村“两委”换届候选人名单"])
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    output = io.BytesIO()
    workbook.save(output)
    return SimpleUploadedFile(name, output.getvalue())


def make_lead(
    town: Unit,
    village: Unit,
    name: str,
    number: str,
    *,
    status: str = Status.INVESTIGATING,
    conclusion: str = "",
    role: str = SubjectRole.REPORTED,
) -> Lead:
    lead = Lead.objects.create(
        unit=town,
        number=f"GX-2026-{next(_lead_numbers):04d}",
        received_at=timezone.now(),
        channel=Channel.PHONE,
        source=Source.PUBLIC_REPORT,
        summary="反映有人强揽工程",
        village=village,
        status=status,
        conclusion=conclusion,
        created_by=User.objects.get(username="shuji"),
    )
    subject = Subject(lead=lead, name=name, village=village, role=role)
    subject.seal_id_number(number)
    subject.save()
    people_changed("lead", [lead.pk])
    return lead


def run(username: str, file: Any, town: Unit) -> VettingRun:
    return services.run_vetting(actor=User.objects.get(username=username), unit=town, file=file)


def results(vetting_run: VettingRun) -> dict[str, tuple[str, list[dict[str, Any]]]]:
    return {
        candidate.name: (candidate.result, candidate.findings)
        for candidate in vetting_run.candidates.all()
    }


# --- Reading the list ---------------------------------------------------------------------


def test_a_gbk_csv_list_is_read_with_its_villages_and_positions(town: Unit, dongdao: Unit) -> None:
    file = csv_file([["东岛村", "王建设", id_number(11), "村委会主任"]])
    found = read_candidates(file, CSV, villages={"东岛村": dongdao.pk}, town_name="港西镇")
    assert found.errors == []
    [candidate] = found.candidates
    assert (candidate.village_id, candidate.name, candidate.position) == (
        dongdao.pk,
        "王建设",
        "村委会主任",
    )
    assert candidate.id_number == id_number(11)


def test_an_xlsx_list_under_a_title_line_is_read(town: Unit, dongdao: Unit) -> None:
    file = xlsx_file([["东岛村", "王建设", id_number(11), "村党支部书记"]])
    found = read_candidates(file, XLSX, villages={"东岛村": dongdao.pk}, town_name="港西镇")
    assert found.errors == []
    assert [c.row for c in found.candidates] == [3]


def test_every_bad_row_is_refused_with_a_chinese_message_and_nothing_is_written(
    town: Unit, dongdao: Unit
) -> None:
    bad_checksum = id_number(12)[:-1] + ("0" if id_number(12)[-1] != "0" else "1")
    file = csv_file(
        [
            ["东岛村", "王建设", id_number(11), "村委会主任"],
            ["月亮村", "李四", id_number(13), "委员"],
            ["东岛村", "张三", bad_checksum, "委员"],
            ["东岛村", "", id_number(14), "委员"],
            ["东岛村", "赵六", id_number(11), "委员"],
        ]
    )
    with pytest.raises(services.CandidateListRefused) as refused:
        run("banshi", file, town)
    messages = {(error.row, error.column): error.message for error in refused.value.errors}
    assert messages == {
        (3, "村"): "“月亮村”不是港西镇的村（社区）",
        (4, "身份证号"): "身份证号校验位不正确，请核对",
        (5, "姓名"): "姓名不能为空",
        (6, "身份证号"): "身份证号与第2行重复",
    }
    assert VettingRun.objects.count() == 0 and VettingCandidate.objects.count() == 0
    event = AuditEvent.objects.get(action=AuditAction.VETTING_RUN)
    assert event.result == AuditResult.FAILURE and event.details["errors"] == 4


def test_an_id_number_excel_turned_into_a_number_is_refused(town: Unit) -> None:
    file = xlsx_file([["东岛村", "王建设", int(id_number(11)[:15]), "委员"]])
    with pytest.raises(services.CandidateListRefused) as refused:
        run("banshi", file, town)
    [error] = refused.value.errors
    assert error.message == "请将身份证号列设置为文本格式后重新导入"


def test_a_list_without_the_columns_is_refused(town: Unit) -> None:
    file = SimpleUploadedFile("名单.csv", "村,姓名\r\n东岛村,王建设\r\n".encode("gbk"))
    with pytest.raises(services.CandidateListRefused) as refused:
        run("banshi", file, town)
    assert refused.value.errors[0].message == "未找到表头：前10行中没有“身份证号”列"


def test_a_styled_cells_bomb_is_refused_before_it_is_parsed(town: Unit) -> None:
    bomb = SimpleUploadedFile("名单.xlsx", styled_cells_bomb(cells=100_000, title="候选人"))
    with pytest.raises(ServiceError) as refused:
        run("banshi", bomb, town)
    assert refused.value.message == "文件“名单.xlsx”的工作表超过 256 列，请删除多余的列"
    assert VettingRun.objects.count() == 0


def test_a_utf8_csv_with_a_byte_order_mark_is_read(town: Unit) -> None:
    file = csv_file([["东岛村", "王建设", id_number(11), "委员"]], encoding="utf-8-sig")
    assert run("banshi", file, town).candidate_count == 1


# --- Checking against the registry -------------------------------------------------------


@pytest.fixture
def records(town: Unit, dongdao: Unit, beigang: Unit) -> dict[str, Any]:
    """A perpetrator, a victim, lead subjects (open, 查实, 查否) and a name-only appearance."""
    return {
        "case": make_case(
            town,
            P("黄大勇", role="gatherer", id_number=id_number(21), village=dongdao),
            P("林小红", role="victim", id_number=id_number(22), village=dongdao),
            on=date(2024, 3, 5),
            nature=Nature.CRIMINAL,
        ),
        "open": make_lead(town, dongdao, "周开放", id_number(23)),
        "confirmed": make_lead(
            town,
            beigang,
            "吴查实",
            id_number(24),
            status=Status.CONCLUDED,
            conclusion=Conclusion.CONFIRMED_PUNISHED,
        ),
        "excluded": make_lead(
            town,
            beigang,
            "郑查否",
            id_number(25),
            status=Status.CONCLUDED,
            conclusion=Conclusion.EXCLUDED,
        ),
        "namesake": make_case(
            town,
            P("钱同名", role="participant", village=beigang),
            on=date(2023, 7, 1),
            nature=Nature.PUBLIC_SECURITY,
        ),
    }


CANDIDATES = [
    ["东岛村", "黄大勇", id_number(21), "村委会委员"],
    ["东岛村", "林小红", id_number(22), "妇联主席"],
    ["东岛村", "周开放", id_number(23), "村委会主任"],
    ["北港村", "吴查实", id_number(24), "村党支部委员"],
    ["北港村", "郑查否", id_number(25), "村委会委员"],
    ["北港村", "钱同名", id_number(26), "村委会委员"],
    ["北港村", "孙清白", id_number(27), "村委会委员"],
]


def test_each_candidate_is_checked_against_cases_and_leads(
    town: Unit, records: dict[str, Any]
) -> None:
    vetting_run = run("shuji", csv_file(CANDIDATES), town)
    found = results(vetting_run)
    case, open_lead, confirmed = records["case"], records["open"], records["confirmed"]

    result, [reason] = found["黄大勇"]
    assert result == VettingResult.REVIEW
    assert reason["kind"] == FindingKind.CASE and reason["record_id"] == case.pk
    assert reason["text"] == f"治安案件 {case.number}（刑事，2024-03-05）纠集者"

    assert found["林小红"] == (VettingResult.CLEAR, [])  # a victim is no reason
    result, [reason] = found["周开放"]
    assert result == VettingResult.REVIEW
    assert reason["text"] == f"线索 {open_lead.number} 被反映人，线索办理中（核查中）"
    result, [reason] = found["吴查实"]
    assert reason["text"] == (f"线索 {confirmed.number} 被反映人，核查结论：查实-治安处罚/行政处理")
    assert found["郑查否"] == (VettingResult.CLEAR, [])  # 查否 is no record
    result, [reason] = found["钱同名"]
    assert result == VettingResult.REVIEW and reason["kind"] == FindingKind.NAMESAKE
    assert reason["text"].startswith("同名：北港村有同名人员（无身份证号），治安案件")
    assert "（治安，2023-07-01）参与者" in reason["text"]
    assert found["孙清白"] == (VettingResult.CLEAR, [])
    assert (vetting_run.candidate_count, vetting_run.review_count) == (7, 4)
    event = AuditEvent.objects.get(action=AuditAction.VETTING_RUN)
    assert event.result == AuditResult.SUCCESS and event.target_id == str(vetting_run.pk)
    assert event.details["candidates"] == 7 and event.details["review"] == 4


def test_a_name_in_another_village_or_with_its_own_id_number_is_no_namesake(
    town: Unit, records: dict[str, Any]
) -> None:
    vetting_run = run(
        "banshi",
        csv_file(
            [
                ["东岛村", "钱同名", id_number(31), "委员"],  # the namesake is of 北港村
                ["东岛村", "黄大勇", id_number(32), "委员"],  # that 黄大勇 has another ID number
            ]
        ),
        town,
    )
    assert {r for r, _ in results(vetting_run).values()} == {VettingResult.CLEAR}


def test_the_registry_person_links_an_appearance_without_the_id_number(
    town: Unit, dongdao: Unit
) -> None:
    """The same mobile and name join a case without ID number to the ID-numbered person."""
    make_case(town, P("冯连环", id_number=id_number(41), phone="13900000041", role="victim"))
    second = make_case(
        town, P("冯连环", phone="13900000041", role="participant"), on=date(2025, 1, 2)
    )
    vetting_run = run("banshi", csv_file([["东岛村", "冯连环", id_number(41), "委员"]]), town)
    result, [reason] = results(vetting_run)["冯连环"]
    assert result == VettingResult.REVIEW and reason["record_id"] == second.pk


def test_the_check_costs_the_same_queries_for_one_candidate_as_for_many(
    town: Unit, records: dict[str, Any]
) -> None:
    from saohei.analysis.changes import refresh_pending
    from saohei.analysis.vetting import CandidateList

    refresh_pending()
    user = User.objects.get(username="shuji")
    villages = dict(Unit.objects.filter(parent=town).values_list("name", "pk"))
    many: CandidateList = read_candidates(
        csv_file(CANDIDATES), CSV, villages=villages, town_name="港西镇"
    )
    check_candidates(user, many.candidates[:1])  # the account's grants, read once
    with CaptureQueriesContext(connection) as one:
        first = check_candidates(user, many.candidates[:1])
    with CaptureQueriesContext(connection) as all_of_them:
        findings = check_candidates(user, many.candidates)
    assert len(all_of_them) == len(one) <= 8
    # The counts are of a real check: the records behind the fixture are found.
    assert len(first) == 1 and len(findings) == len(CANDIDATES)
    assert any(findings) and not all(findings)


def test_the_town_of_another_office_is_refused(town: Unit) -> None:
    city = Unit.objects.get(name="荣成市扫黑办")
    other = build_unit(name="柳林镇", kind=UnitKind.TOWN, parent=city, code="LL")
    with pytest.raises(ActionNotAllowed):
        run("banshi", csv_file([["东岛村", "王建设", id_number(11), "委员"]]), other)
    with pytest.raises(ActionNotAllowed):
        run("minjing", csv_file([["东岛村", "王建设", id_number(11), "委员"]]), town)
    assert VettingRun.objects.count() == 0


def test_the_candidates_id_number_is_sealed(town: Unit) -> None:
    vetting_run = run("banshi", csv_file([["东岛村", "王建设", id_number(11), "委员"]]), town)
    candidate = vetting_run.candidates.get()
    assert candidate.id_number_masked == mask_id_number(id_number(11))
    assert id_number(11) not in candidate.id_number_sealed
    assert candidate.unsealed_id_number() == id_number(11)


# --- Pages ---------------------------------------------------------------------------------


@pytest.fixture
def sheet(town: Unit, records: dict[str, Any]) -> VettingRun:
    return run("shuji", csv_file(CANDIDATES), town)


def test_the_office_uploads_a_list_and_reads_the_sheet_with_masked_ids(
    client_as: Callable[[str], Client], town: Unit, records: dict[str, Any]
) -> None:
    client = client_as("banshi")
    response = client.post(
        "/analysis/vetting/", {"unit": town.pk, "file": xlsx_file(CANDIDATES)}, follow=True
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "联审完成：7 人中 4 人需复核" in page
    assert f"/cases/{records['case'].pk}/" in page
    for _, _, number, _ in CANDIDATES:
        assert number not in page
    assert mask_id_number(id_number(21)) in page


def test_a_refused_list_lists_its_rows_on_the_page(
    client_as: Callable[[str], Client], town: Unit
) -> None:
    response = client_as("banshi").post(
        "/analysis/vetting/",
        {"unit": town.pk, "file": csv_file([["月亮村", "李四", id_number(13), "委员"]])},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "名单中有 1 处错误，未进行联审" in page
    assert "“月亮村”不是港西镇的村（社区）" in page
    assert VettingRun.objects.count() == 0


def test_a_refused_list_keeps_the_town_and_asks_for_the_file_again(
    client_as: Callable[[str], Client], town: Unit
) -> None:
    response = client_as("banshi").post(
        "/analysis/vetting/",
        {"unit": town.pk, "file": csv_file([["月亮村", "李四", id_number(13), "委员"]])},
    )
    page = response.content.decode()
    assert f'<option value="{town.pk}" selected>' in page
    assert 'id="id_file_error"' in page and "请重新选择文件" in page
    assert VettingRun.objects.count() == 0


def test_a_broken_workbook_is_refused_with_a_message(
    client_as: Callable[[str], Client], town: Unit
) -> None:
    file = SimpleUploadedFile("名单.xlsx", b"PK\x03\x04 not a workbook at all")
    response = client_as("banshi").post("/analysis/vetting/", {"unit": town.pk, "file": file})
    assert response.status_code == 200
    assert "文件“名单.xlsx”已损坏，无法读取" in response.content.decode()
    assert VettingRun.objects.count() == 0


def test_the_export_opens_in_openpyxl_with_masked_ids_and_the_exporters_stamp(
    client_as: Callable[[str], Client], sheet: VettingRun
) -> None:
    response = client_as("fushuji").get(f"/analysis/vetting/{sheet.pk}/export/")
    assert response.status_code == 200
    content = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    values = [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    text = repr(values)
    assert "于春梅" in str(values[0][0])  # the exporter's stamp
    header = values.index(
        ["序号", "行号", "村", "姓名", "身份证号", "拟任职务", "联审结果", "原因及记录编号"]
    )
    rows = {row[3]: row for row in values[header + 1 :]}
    assert rows["黄大勇"][4] == mask_id_number(id_number(21))
    assert rows["黄大勇"][6] == "需复核" and records_number(sheet, "黄大勇") in rows["黄大勇"][7]
    assert rows["孙清白"][6] == "无记录"
    for _, _, number, _ in CANDIDATES:
        assert number not in text
    event = AuditEvent.objects.get(action=AuditAction.VETTING_EXPORTED)
    assert event.target_id == str(sheet.pk) and event.details["candidates"] == 7


def records_number(vetting_run: VettingRun, name: str) -> str:
    return str(vetting_run.candidates.get(name=name).findings[0]["number"])


def test_an_officials_lead_stays_with_the_leaders_on_the_sheet(
    client_as: Callable[[str], Client], town: Unit, dongdao: Unit
) -> None:
    lead = make_lead(town, dongdao, "高官员", id_number(51), role=SubjectRole.OFFICIAL)
    vetting_run = run("shuji", csv_file([["东岛村", "高官员", id_number(51), "委员"]]), town)
    assert vetting_run.review_count == 1
    leader_page = client_as("shuji").get(f"/analysis/vetting/{vetting_run.pk}/").content.decode()
    assert lead.number in leader_page
    assert "未参与比对" not in leader_page
    staff_page = client_as("banshi").get(f"/analysis/vetting/{vetting_run.pk}/").content.decode()
    assert lead.number not in staff_page
    assert "另有 1 条记录您无权查看" in staff_page


def test_a_run_by_office_staff_says_leads_about_officials_were_not_compared(
    client_as: Callable[[str], Client], town: Unit, dongdao: Unit
) -> None:
    make_lead(town, dongdao, "高官员", id_number(51), role=SubjectRole.OFFICIAL)
    vetting_run = run("banshi", csv_file([["东岛村", "高官员", id_number(51), "委员"]]), town)
    assert (vetting_run.review_count, vetting_run.covers_officials_leads) == (0, False)
    page = client_as("banshi").get(f"/analysis/vetting/{vetting_run.pk}/").content.decode()
    assert "涉及公职人员（保护伞）的线索不在其可查范围内，未参与比对" in page


@pytest.mark.parametrize("username", ["cun01", "minjing", "shiban", "baoguan", "xitong"])
def test_other_roles_may_not_open_upload_or_export(
    client_as: Callable[[str], Client], username: str, sheet: VettingRun, town: Unit
) -> None:
    client = client_as(username)
    assert client.get("/analysis/vetting/").status_code == 403
    assert client.get(f"/analysis/vetting/{sheet.pk}/").status_code == 403
    assert client.get(f"/analysis/vetting/{sheet.pk}/export/").status_code == 403
    upload = {"unit": town.pk, "file": csv_file(CANDIDATES)}
    assert client.post("/analysis/vetting/", upload).status_code == 403
    assert VettingRun.objects.count() == 1


def test_a_run_of_another_town_is_not_found(client_as: Callable[[str], Client], town: Unit) -> None:
    city = Unit.objects.get(name="荣成市扫黑办")
    other = build_unit(name="柳林镇", kind=UnitKind.TOWN, parent=city, code="LL")
    elsewhere = VettingRun.objects.create(
        unit=other,
        uploaded_by=User.objects.get(username="shiban"),
        uploaded_at=timezone.now(),
        file_name="柳林镇名单.xlsx",
        file_sha256="0" * 64,
    )
    client = client_as("banshi")
    assert client.get(f"/analysis/vetting/{elsewhere.pk}/").status_code == 404
    assert client.get(f"/analysis/vetting/{elsewhere.pk}/export/").status_code == 404
    assert "柳林镇名单" not in client.get("/analysis/vetting/").content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.VETTING_EXPORTED).exists()


def test_anonymous_visitors_are_sent_to_sign_in(sheet: VettingRun) -> None:
    client = Client()
    for url in (
        "/analysis/vetting/",
        f"/analysis/vetting/{sheet.pk}/",
        f"/analysis/vetting/{sheet.pk}/export/",
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_sheet_page_costs_the_same_queries_for_two_candidates_as_for_many(
    client_as: Callable[[str], Client], sheet: VettingRun, town: Unit
) -> None:
    # A case and a lead: the records behind the reasons are looked up once per kind.
    small = run("shuji", csv_file([CANDIDATES[0], CANDIDATES[2]]), town)
    client = client_as("shuji")
    client.get(f"/analysis/vetting/{small.pk}/")  # the session's first request reads more
    counts = []
    for vetting_run in (small, sheet):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/analysis/vetting/{vetting_run.pk}/")
        assert response.status_code == 200
        rows = response.content.decode().count('data-testid="candidate"')
        assert rows == vetting_run.candidates.count() > 0
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_member_of_a_prompt_is_named_with_the_prompt(
    town: Unit, dongdao: Unit, client_as: Callable[[str], Client]
) -> None:
    """Three cases of one crew within the window make a 疑似恶势力; its members are 需复核 with the
    prompt among the reasons, shown to those who may see the prompt."""
    from saohei.analysis.models import Prompt
    from saohei.analysis.tests.prompt_helpers import crew, days

    for offset in (0, 100, 200):
        make_case(town, *crew(), on=days(offset), nature=Nature.CRIMINAL, village=dongdao)
    vetting_run = run("shuji", csv_file([["东岛村", "张大虎", id_number(1), "村委会主任"]]), town)
    prompt = Prompt.objects.get()
    result, reasons = results(vetting_run)["张大虎"]
    assert result == VettingResult.REVIEW
    [prompt_reason] = [reason for reason in reasons if reason["kind"] == FindingKind.PROMPT]
    assert prompt_reason["record_id"] == prompt.pk
    assert prompt_reason["text"].startswith(
        f"{prompt.get_level_display()}（待研判）成员，角色：纠集者"
    )
    page = client_as("shuji").get(f"/analysis/vetting/{vetting_run.pk}/").content.decode()
    assert f"/analysis/prompts/{prompt.pk}/" in page
