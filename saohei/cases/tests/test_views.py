"""The pages through the client: list, detail with review, import with progress, downloads."""

import io
import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from saohei.audit.models import AuditAction, AuditEvent
from saohei.cases import services
from saohei.cases.models import Case, CaseReview, ImportJob, ImportStatus
from saohei.cases.tests.helpers import VALID_ID, case_row, person_row, xlsx_file
from saohei.organisations.models import Unit, User
from saohei.testing.forms import refused_field

pytestmark = pytest.mark.django_db
ClientAs = Callable[[str], Client]
UserGetter = Callable[[str], User]
ImportFile = Callable[..., ImportJob]


def _many(import_file: ImportFile, count: int, *, start: int = 0) -> None:
    villages = ["东岛村", "北港村", "港西村"]
    job = import_file(
        xlsx_file(
            cases=[
                case_row(
                    number=f"M-{n:04d}",
                    occurred=f"{2012 + n % 8}-0{1 + n % 9}-1{n % 10}",
                    village=villages[n % 3],
                    nature="刑事" if n % 2 else "治安",
                )
                for n in range(start, start + count)
            ],
            persons=[
                person_row(number=f"M-{n:04d}", name=f"人{n}", id_number=VALID_ID)
                for n in range(start, start + count)
            ],
        )
    )
    assert job.status == ImportStatus.SUCCEEDED, job.errors


def _numbers(html: str) -> list[str]:
    return re.findall(r">(M-\d{4}|A-\d{3})</a>", html)


def test_list_shows_progress_and_masked_ids(
    client_as: ClientAs, imported: list[Case], user: UserGetter
) -> None:
    services.review_case(
        actor=user("banshi"),
        case=imported[0],
        conclusion="excluded",
        reviewed_on=date(2020, 3, 1),
        notes="经核查系个人酒后滋事，排除涉黑涉恶可能",
    )
    html = client_as("banshi").get("/cases/").content.decode()
    assert "港西镇：2 起中已倒查 1 起" in html
    assert "110105********002X" in html
    assert VALID_ID not in html
    assert sorted(_numbers(html)) == ["A-001", "A-002"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("reviewed=yes", ["A-001"]),
        ("reviewed=no", ["A-002"]),
        ("year=2015", ["A-002"]),
        ("nature=public_security", ["A-001", "A-002"]),
        ("nature=criminal", []),
        ("q=故意", ["A-002"]),
    ],
)
def test_list_filters(
    client_as: ClientAs, imported: list[Case], user: UserGetter, query: str, expected: list[str]
) -> None:
    services.review_case(
        actor=user("banshi"),
        case=imported[0],
        conclusion="excluded",
        reviewed_on=date(2020, 3, 1),
        notes="经核查系个人酒后滋事，排除涉黑涉恶可能",
    )
    html = client_as("banshi").get(f"/cases/?{query}").content.decode()
    assert sorted(_numbers(html)) == expected


def test_list_filters_by_village(client_as: ClientAs, imported: list[Case]) -> None:
    village = Unit.objects.get(name="北港村")
    html = client_as("banshi").get(f"/cases/?village={village.pk}").content.decode()
    assert _numbers(html) == ["A-002"]


def test_list_query_count_does_not_grow_with_rows(
    client_as: ClientAs, import_file: ImportFile
) -> None:
    client = client_as("banshi")
    _many(import_file, 3)
    with CaptureQueriesContext(connection) as few:
        response = client.get("/cases/")
    assert response.status_code == 200 and len(_numbers(response.content.decode())) == 3
    _many(import_file, 30, start=3)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/cases/")
    assert response.status_code == 200 and len(_numbers(response.content.decode())) == 33
    assert len(many) == len(few)


def test_list_pages_by_keyset(client_as: ClientAs, import_file: ImportFile) -> None:
    _many(import_file, 55)
    client = client_as("banshi")
    first = client.get("/cases/").content.decode()
    assert "共 55 起" in first
    cursor = re.search(r"after=([\w-]+)", first)
    assert cursor is not None
    second = client.get(f"/cases/?after={cursor.group(1)}").content.decode()
    seen = _numbers(first) + _numbers(second)
    assert len(_numbers(first)) == 50 and len(seen) == 55 and len(set(seen)) == 55
    back = re.search(r"before=([\w-]+)", second)
    assert back is not None
    assert _numbers(client.get(f"/cases/?before={back.group(1)}").content.decode()) == _numbers(
        first
    )


def test_detail_shows_persons_masked_hints_and_the_same_person_in_other_cases(
    client_as: ClientAs, import_file: ImportFile, imported: list[Case]
) -> None:
    import_file(
        xlsx_file(
            cases=[case_row(number="B-001", occurred="2016-01-01")],
            persons=[person_row(number="B-001", name="王某", id_number=VALID_ID)],
        )
    )
    html = client_as("banshi").get(f"/cases/{imported[0].pk}/").content.decode()
    assert "110105********002X" in html and VALID_ID not in html
    assert "139****5678" in html
    assert ">B-001</a>" in html
    assert "疑似团伙作案" in html
    assert 'data-testid="review-form"' in html


def test_police_see_the_detail_without_the_review_form(
    client_as: ClientAs, imported: list[Case]
) -> None:
    html = client_as("minjing").get(f"/cases/{imported[0].pk}/").content.decode()
    assert 'data-testid="review-form"' not in html
    assert "倒查由本镇扫黑办工作人员" in html


def test_review_through_the_form(client_as: ClientAs, imported: list[Case]) -> None:
    case = imported[0]
    response = client_as("banshi").post(
        f"/cases/{case.pk}/review/",
        {
            "conclusion": "excluded",
            "is_gang": "on",
            "organiser": "王某",
            "reviewed_on": "2020-03-01",
            "notes": "经核查系偶发冲突，未多次作案，排除涉黑涉恶可能",
        },
    )
    assert response.status_code == 302
    review = CaseReview.objects.get()
    assert (review.is_gang, review.organiser, review.reviewer.username) == (True, "王某", "banshi")
    html = client_as("banshi").get(f"/cases/{case.pk}/").content.decode()
    assert "排除涉黑涉恶可能" in html and "纠集者：王某" in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"notes": "排除"}, "至少10个字"),
        ({"organiser": "王某"}, "应勾选“是否团伙”"),
        ({"reviewed_on": "not-a-date"}, "有效的日期"),
        ({"conclusion": "maybe"}, "有效的选项"),
    ],
)
def test_bad_review_re_renders_with_the_message(
    client_as: ClientAs, imported: list[Case], data: dict[str, str], message: str
) -> None:
    form = {
        "conclusion": "excluded",
        "reviewed_on": "2020-03-01",
        "notes": "经核查系个人酒后滋事，排除涉黑涉恶可能",
        **data,
    }
    response = client_as("banshi").post(f"/cases/{imported[0].pk}/review/", form)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not CaseReview.objects.exists()


def test_turning_into_a_lead_through_the_form_links_the_lead(
    client_as: ClientAs, imported: list[Case]
) -> None:
    response = client_as("banshi").post(
        f"/cases/{imported[0].pk}/review/",
        {
            "conclusion": "to_lead",
            "reviewed_on": "2020-03-01",
            "notes": "王某多次纠集他人滋事，需核查",
        },
        follow=True,
    )
    review = CaseReview.objects.get()
    assert review.lead is not None
    html = response.content.decode()
    assert f"已转为线索，编号 {review.lead.number}" in html
    assert f"/leads/{review.lead.pk}/" in html
    assert 'data-testid="review-form"' not in html


def test_upload_page_runs_the_import_and_shows_the_result(
    client_as: ClientAs, town: Unit, django_capture_on_commit_callbacks: Any
) -> None:
    upload = xlsx_file(cases=[case_row()], persons=[person_row(id_number=VALID_ID)])
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as("minjing").post("/cases/imports/", {"unit": town.pk, "file": upload})
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/cases/imports/{job.pk}/"
    assert job.status == ImportStatus.SUCCEEDED
    page = client_as("minjing").get(response["Location"]).content.decode()
    assert "导入成功：新增 1 起" in page
    assert "hx-trigger" not in page


def test_upload_page_lists_every_error_of_a_failed_file(
    client_as: ClientAs, town: Unit, django_capture_on_commit_callbacks: Any
) -> None:
    upload = xlsx_file(
        cases=[case_row(nature="民事"), case_row(number="X", village="火星村")], persons=[]
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as("banshi").post("/cases/imports/", {"unit": town.pk, "file": upload})
    page = client_as("banshi").get(response["Location"]).content.decode()
    assert "导入失败" in page
    assert "“民事”不是可选值" in page and "“火星村”不是港西镇的村" in page
    assert not Case.objects.exists()


def test_upload_of_a_wrong_file_type_shows_the_message_beside_the_field(
    client_as: ClientAs, town: Unit
) -> None:
    upload = io.BytesIO(b"%PDF-1.7 not a spreadsheet")
    upload.name = "案件.pdf"
    response = client_as("banshi").post("/cases/imports/", {"unit": town.pk, "file": upload})
    assert response.status_code == 200
    assert "不是 .xlsx 工作簿或 .csv 文件" in response.content.decode()
    # The browser cannot send the file again: the page says to choose it again.
    _, error = refused_field(response, "id_file")
    assert "请重新选择文件" in error
    assert not ImportJob.objects.exists()


def test_progress_fragment_polls_until_the_job_finishes(
    client_as: ClientAs, town: Unit, user: UserGetter
) -> None:
    job = services.create_import_job(
        actor=user("banshi"), unit=town, file=xlsx_file(cases=[case_row()], persons=[])
    )
    client = client_as("banshi")
    fragment = client.get(
        f"/cases/imports/{job.pk}/", headers={"HX-Request": "true"}
    ).content.decode()
    assert "<html" not in fragment
    assert 'hx-trigger="every 1s"' in fragment and "排队等待" in fragment
    full = client.get(f"/cases/imports/{job.pk}/").content.decode()
    assert "<html" in full and 'data-testid="refresh-link"' in full
    services.run_import_job(job_id=job.pk)
    done = client.get(f"/cases/imports/{job.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in done and 'value="100"' in done


def test_template_has_both_sheets_with_drop_downs_and_imports_as_is(
    client_as: ClientAs, import_file: ImportFile
) -> None:
    response = client_as("banshi").get("/cases/imports/template.xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    cases, persons = workbook["案件"], workbook["涉案人员"]
    assert [cell.value for cell in cases[1]][:4] == ["案件编号", "案由", "案件性质", "发案时间"]
    assert [cell.value for cell in persons[1]] == [
        "案件编号",
        "姓名",
        "身份证号",
        "手机号",
        "住址",
        "角色",
        "车牌号",
        "备注",
    ]
    lists = [v.formula1 for v in cases.data_validations.dataValidation]
    assert '"刑事,治安"' in lists and '"暴力,威胁,软暴力,其他"' in lists
    assert any("选项" in formula for formula in lists)
    assert '"纠集者,组织者,参与者,被害人,证人"' in [
        v.formula1 for v in persons.data_validations.dataValidation
    ]
    from django.core.files.base import ContentFile

    job = import_file(ContentFile(response.content, name="模板.xlsx"))
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    assert (job.cases_created, job.persons_written) == (1, 1)


def test_export_is_a_ledger_with_masked_text_ids_and_is_audited(
    client_as: ClientAs, imported: list[Case], user: UserGetter
) -> None:
    services.review_case(
        actor=user("banshi"),
        case=imported[0],
        conclusion="excluded",
        reviewed_on=date(2020, 3, 1),
        notes="经核查系偶发冲突，排除涉黑涉恶可能",
        is_gang=True,
        organiser="王某",
    )
    response = client_as("shuji").get("/cases/export.xlsx?reviewed=yes")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    sheet = load_workbook(io.BytesIO(body)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert "导出人：孙志远（shuji）" in rows[0][0] and "导出时间：" in rows[0][0]
    assert list(rows[2]) == [
        "案件编号",
        "案由",
        "发案时间/地点",
        "涉案人员",
        "处理结果",
        "是否团伙/纠集者",
        "倒查结论",
        "倒查人",
        "日期",
    ]
    assert len(rows) == 4
    number, cause, occurred, persons, outcome, gang, conclusion, reviewer, day = rows[3]
    assert (number, cause, outcome, gang, conclusion, reviewer, day) == (
        "A-001",
        "寻衅滋事",
        "行政拘留十日",
        "是，纠集者：王某",
        "排除涉黑涉恶可能",
        "李晓静",
        datetime(2020, 3, 1),  # a real date, not text
    )
    assert occurred.startswith("2012-05-03 东岛村")
    assert "王某（纠集者，110105********002X）" in persons and VALID_ID not in persons
    assert sheet.cell(row=4, column=4).data_type == "s"
    event = AuditEvent.objects.get(action=AuditAction.CASES_EXPORTED)
    assert event.actor is not None and event.actor.username == "shuji"
    assert event.details == {"cases": 1, "filters": {"reviewed": "yes"}}


@pytest.mark.parametrize("path", ["/cases/", "/cases/imports/"])
def test_pages_have_no_inline_script_or_style(
    client_as: ClientAs, imported: list[Case], path: str
) -> None:
    html = client_as("banshi").get(path).content.decode()
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None
    assert " style=" not in html and "<style" not in html


def test_case_pages_have_no_inline_script_or_style(
    client_as: ClientAs, imported: list[Case]
) -> None:
    client = client_as("banshi")
    job = ImportJob.objects.get()
    for path in (f"/cases/{imported[0].pk}/", f"/cases/imports/{job.pk}/"):
        html = client.get(path).content.decode()
        assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None, path
        assert " style=" not in html and "<style" not in html, path


def test_menu_shows_case_review_to_office_and_police_only(client_as: ClientAs, demo: None) -> None:
    assert 'href="/cases/"' in client_as("minjing").get("/").content.decode()
    assert 'href="/cases/"' in client_as("banshi").get("/").content.decode()
    assert 'href="/cases/"' not in client_as("cun01").get("/").content.decode()
