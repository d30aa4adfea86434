"""The import: good files of every kind, every kind of bad row, idempotent re-import."""

import io
from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError

from saohei.analysis.models import PendingChange
from saohei.audit.models import AuditAction, AuditEvent, AuditResult
from saohei.cases import services
from saohei.cases.importing import InvalidDate, parse_occurred
from saohei.cases.models import Case, CasePerson, CaseReview, ImportJob, ImportStatus
from saohei.cases.tests.helpers import (
    CASE_HEADER,
    PERSON_HEADER,
    VALID_ID,
    case_row,
    csv_file,
    person_row,
    xlsx_file,
)
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.common.pii import blind_index, unseal
from saohei.organisations.models import Unit, User

pytestmark = pytest.mark.django_db
ImportFile = Callable[..., ImportJob]


def _nothing_written() -> bool:
    return not Case.objects.exists() and not CasePerson.objects.exists()


def test_good_workbook_imports_cases_and_sealed_persons(
    import_file: ImportFile, town: Unit
) -> None:
    job = import_file(
        xlsx_file(
            cases=[
                case_row(number="GX-1", occurred=datetime(2012, 5, 3, 21, 30), village="东岛村"),
                case_row(number="GX-2", occurred="2013/7/9", village="", nature="刑事"),
            ],
            persons=[
                person_row(number="GX-1", name="王某", id_number=VALID_ID, phone="139 1234 5678"),
                person_row(number="GX-1", name="李某", role="被害人"),
            ],
        )
    )
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    assert (job.cases_created, job.cases_updated, job.persons_written) == (2, 0, 2)
    first = Case.objects.get(number="GX-1")
    assert first.unit == town
    assert first.village is not None and first.village.name == "东岛村"
    assert (first.occurred_on, first.occurred_time) == (date(2012, 5, 3), time(21, 30))
    assert first.import_job == job
    second = Case.objects.get(number="GX-2")
    assert (second.nature, second.village, second.occurred_time) == ("criminal", None, None)
    person = first.persons.get(name="王某")
    assert VALID_ID not in person.id_number_sealed
    assert unseal("id_number", person.id_number_key, person.id_number_sealed) == VALID_ID
    assert person.id_number_index == blind_index("id_number", VALID_ID)
    assert person.id_number_masked == "110105********002X"
    assert unseal("phone", person.phone_key, person.phone_sealed) == "13912345678"
    assert person.phone_masked == "139****5678"
    event = AuditEvent.objects.get(action=AuditAction.CASES_IMPORTED)
    assert event.result == AuditResult.SUCCESS
    assert event.details["created"] == 2
    assert event.actor is not None and event.actor.username == "banshi"


def test_uploaded_file_is_deleted_after_the_import_keeping_its_digest(
    import_file: ImportFile, settings: Any
) -> None:
    job = import_file(xlsx_file(cases=[case_row()], persons=[]))
    assert job.status == ImportStatus.SUCCEEDED
    assert not job.file and len(job.file_sha256) == 64
    assert not any(Path(settings.MEDIA_ROOT).rglob("*.xlsx"))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_good_csv_files_in_each_encoding(import_file: ImportFile, encoding: str) -> None:
    cases = csv_file(
        [CASE_HEADER, case_row(number="GX-9", summary="村民甲、乙因琐事争执")], encoding=encoding
    )
    persons = csv_file(
        [PERSON_HEADER, person_row(number="GX-9", name="欧阳某", id_number=VALID_ID)],
        encoding=encoding,
        name="涉案人员.csv",
    )
    if encoding == "gbk":
        assert cases.read().decode("gbk")  # really GBK, not UTF-8
        cases.seek(0)
        with pytest.raises(UnicodeDecodeError):
            cases.read().decode("utf-8")
        cases.seek(0)
    job = import_file(cases, persons)
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    case = Case.objects.get()
    assert case.summary == "村民甲、乙因琐事争执"
    assert case.persons.get().name == "欧阳某"


@pytest.mark.parametrize("line", [2, 7])
def test_a_gbk_file_with_one_stray_byte_is_refused_naming_its_line(
    import_file: ImportFile, line: int
) -> None:
    rows = [CASE_HEADER] + [case_row(number=f"GX-{n}", summary="村民争执") for n in range(8)]
    raw = csv_file(rows, encoding="gbk").read()
    lines = raw.split(b"\n")
    lines[line - 1] = lines[line - 1].replace(
        "村民".encode("gbk"), "村民".encode("gbk") + b"\x80", 1
    )
    job = import_file(ContentFile(b"\n".join(lines), name="案件.csv"))
    assert job.status == ImportStatus.FAILED
    assert f"第{line}行有无法识别的字符" in job.message
    assert "GBK" in job.message
    assert not Case.objects.exists()


def test_a_utf8_file_with_one_stray_byte_names_its_line_and_utf8(
    import_file: ImportFile,
) -> None:
    rows = [CASE_HEADER] + [case_row(number=f"GX-{n}", summary="村民争执") for n in range(5)]
    raw = csv_file(rows, encoding="utf-8").read()
    lines = raw.split(b"\n")
    lines[3] = lines[3] + b"\xff"
    job = import_file(ContentFile(b"\n".join(lines), name="案件.csv"))
    assert job.status == ImportStatus.FAILED
    assert "第4行有无法识别的字符（按 UTF-8 编码" in job.message


def test_csv_cases_alone_keep_the_persons_already_stored(
    import_file: ImportFile, imported: list[Case]
) -> None:
    job = import_file(csv_file([CASE_HEADER, case_row(number="A-001", cause="聚众斗殴")]))
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    case = Case.objects.get(number="A-001")
    assert case.cause == "聚众斗殴"
    assert case.persons.count() == 3


BAD_ROWS: list[tuple[str, dict[str, Any], tuple[str, int, str, str]]] = [
    (
        "missing column",
        {"case_header": [title for title in CASE_HEADER if title != "发案时间"]},
        ("案件", 1, "发案时间", "缺少必填列“发案时间”"),
    ),
    (
        "duplicate number",
        {"cases": [case_row(number="GX-1"), case_row(number="GX-1")]},
        ("案件", 3, "案件编号", "与第2行重复"),
    ),
    (
        "bad date",
        {"cases": [case_row(), case_row(number="GX-2", occurred="2012-13-45")]},
        ("案件", 3, "发案时间", "不是有效的日期"),
    ),
    (
        "future date",
        {"cases": [case_row(occurred="2999-01-01")]},
        ("案件", 2, "发案时间", "晚于今天"),
    ),
    (
        "bad enumeration",
        {"cases": [case_row(nature="民事")]},
        ("案件", 2, "案件性质", "“民事”不是可选值（刑事/治安）"),
    ),
    (
        "unknown village",
        {"cases": [case_row(village="柳林村")]},
        ("案件", 2, "所属村", "“柳林村”不是港西镇的村（社区）"),
    ),
    (
        "empty required value",
        {"cases": [case_row(cause="")]},
        ("案件", 2, "案由", "案由不能为空"),
    ),
    (
        "bad ID checksum",
        {"persons": [person_row(id_number="110105194912310021")]},
        ("涉案人员", 2, "身份证号", "校验位不正确"),
    ),
    (
        "bad mobile",
        {"persons": [person_row(phone="12345")]},
        ("涉案人员", 2, "手机号", "11位"),
    ),
    (
        "bad role",
        {"persons": [person_row(role="路人")]},
        ("涉案人员", 2, "角色", "不是可选值"),
    ),
    (
        "person of an unknown case",
        {"persons": [person_row(number="NOPE-1")]},
        ("涉案人员", 2, "案件编号", "既不在本次导入的案件表中，也未在港西镇导入过"),
    ),
]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [(overrides, expected) for _, overrides, expected in BAD_ROWS],
    ids=[label for label, _, _ in BAD_ROWS],
)
def test_a_bad_row_fails_the_whole_file_and_is_reported(
    import_file: ImportFile, overrides: dict[str, Any], expected: tuple[str, int, str, str]
) -> None:
    arguments: dict[str, Any] = {"cases": [case_row()], "persons": [person_row()], **overrides}
    job = import_file(xlsx_file(**arguments))
    assert job.status == ImportStatus.FAILED
    sheet, row, column, reason = expected
    matching = [
        error
        for error in job.errors
        if (error["sheet"], error["row"], error["column"]) == (sheet, row, column)
    ]
    assert matching, job.errors
    assert reason in matching[0]["message"]
    assert _nothing_written()
    failure = AuditEvent.objects.get(action=AuditAction.CASES_IMPORTED)
    assert failure.result == AuditResult.FAILURE


def test_every_bad_row_is_listed_not_only_the_first(import_file: ImportFile) -> None:
    job = import_file(
        xlsx_file(
            cases=[
                case_row(number="GX-1", nature="民事"),
                case_row(number="GX-2"),
                case_row(number="GX-3", occurred="昨天", village="火星村"),
            ],
            persons=[person_row(number="GX-2", id_number="123"), person_row(number="GX-404")],
        )
    )
    assert job.status == ImportStatus.FAILED
    found = {(e["sheet"], e["row"], e["column"]) for e in job.errors}
    assert found == {
        ("案件", 2, "案件性质"),
        ("案件", 4, "发案时间"),
        ("案件", 4, "所属村"),
        ("涉案人员", 2, "身份证号"),
        ("涉案人员", 3, "案件编号"),
    }
    assert job.error_count == 5
    assert _nothing_written()


def test_error_messages_never_repeat_an_id_number(import_file: ImportFile) -> None:
    job = import_file(
        xlsx_file(cases=[case_row()], persons=[person_row(id_number="110105194912310021")])
    )
    assert "110105194912310021" not in str(job.errors)


def test_reimport_updates_without_duplicates_and_replaces_persons(
    import_file: ImportFile, imported: list[Case], user: Callable[[str], User]
) -> None:
    first = imported[0]
    services.review_case(
        actor=user("banshi"),
        case=first,
        conclusion="excluded",
        reviewed_on=date(2020, 1, 2),
        notes="经走访核实，系个人酒后滋事，排除涉黑涉恶可能",
    )
    job = import_file(
        xlsx_file(
            cases=[
                case_row(
                    number="A-001", cause="聚众斗殴", village="北港村", occurred="2013-04-05 08:15"
                ),
                case_row(number="A-003", village="东岛村"),
            ],
            persons=[person_row(number="A-001", name="新某", role="纠集者")],
        )
    )
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    assert (job.cases_created, job.cases_updated) == (1, 1)
    assert Case.objects.count() == 3
    updated = Case.objects.get(pk=first.pk)
    assert updated.cause == "聚众斗殴"
    assert (updated.occurred_on, updated.occurred_time) == (date(2013, 4, 5), time(8, 15))
    assert updated.village is not None and updated.village.name == "北港村"
    assert updated.import_job == job
    assert list(updated.persons.values_list("name", flat=True)) == ["新某"]
    # The untouched case keeps its persons, and the review survives the update.
    assert Case.objects.get(number="A-002").persons.count() == 1
    assert CaseReview.objects.filter(case=updated).exists()


def test_reimport_can_clear_optional_values(import_file: ImportFile, imported: list[Case]) -> None:
    job = import_file(
        xlsx_file(
            cases=[case_row(number="A-002", village="", means="", motive="", place="")],
            persons=None,
        )
    )
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    case = Case.objects.get(number="A-002")
    assert (case.village, case.means, case.motive, case.place) == (None, "", "", "")


def test_importing_the_same_file_twice_changes_nothing(import_file: ImportFile) -> None:
    def make() -> ContentFile:
        return xlsx_file(cases=[case_row()], persons=[person_row(id_number=VALID_ID)])

    import_file(make())
    snapshot = list(Case.objects.values_list("pk", "number", "cause"))
    second = import_file(make())
    assert (second.cases_created, second.cases_updated) == (0, 1)
    assert list(Case.objects.values_list("pk", "number", "cause")) == snapshot
    assert CasePerson.objects.count() == 1


def test_persons_may_refer_to_cases_imported_earlier(
    import_file: ImportFile, imported: list[Case]
) -> None:
    job = import_file(xlsx_file(cases=None, persons=[person_row(number="A-002", name="补充某")]))
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    assert list(imported[1].persons.values_list("name", flat=True)) == ["补充某"]


def test_empty_rows_and_a_title_line_are_skipped(import_file: ImportFile) -> None:
    job = import_file(
        xlsx_file(
            cases=[[None] * 10, case_row(number="GX-1"), ["", " ", None], case_row(number="GX-2")],
            persons=[],
            case_header=CASE_HEADER,
        )
    )
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    assert Case.objects.count() == 2
    titled = xlsx_file(
        cases=[CASE_HEADER, case_row(number="GX-3")],
        persons=None,
        case_header=["港西派出所2012年以来治安案件登记表"],
    )
    job = import_file(titled)
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    assert Case.objects.filter(number="GX-3").exists()


def test_fifteen_digit_id_numbers_are_converted(import_file: ImportFile) -> None:
    job = import_file(
        xlsx_file(cases=[case_row()], persons=[person_row(id_number="110105491231002")])
    )
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    person = CasePerson.objects.get()
    assert (
        unseal("id_number", person.id_number_key, person.id_number_sealed) == "11010519491231002X"
    )


def test_headers_with_hints_in_brackets_are_recognised(import_file: ImportFile) -> None:
    header = [
        "案件编号*",
        "案由",
        "案件性质（刑事/治安）",
        "发案时间",
        "发案地点",
        "所属村",
        "简要案情",
        "处理结果",
        "手段(暴力/威胁/软暴力/其他)",
        "起因",
    ]
    job = import_file(xlsx_file(cases=[case_row()], persons=None, case_header=header))
    assert job.status == ImportStatus.SUCCEEDED, job.errors


def test_a_file_without_data_rows_fails(import_file: ImportFile) -> None:
    job = import_file(xlsx_file(cases=[], persons=[]))
    assert job.status == ImportStatus.FAILED
    assert "没有可导入的数据行" in job.errors[0]["message"]


def test_a_zip_that_is_not_a_workbook_is_refused_before_any_job(import_file: ImportFile) -> None:
    buffer = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    with pytest.raises(ServiceError, match="不是有效的 Office 文件"):
        import_file(ContentFile(buffer.getvalue(), name="案件.xlsx"))
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"%PDF-1.7 ...", "案件.xlsx", "不是 .xlsx 工作簿或 .csv 文件"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1....", "案件.xls", "旧版 .xls"),
        (b"", "案件.csv", "空文件"),
    ],
)
def test_wrong_file_types_are_refused_before_any_job(
    import_file: ImportFile, content: bytes, name: str, message: str
) -> None:
    with pytest.raises(ServiceError, match=message):
        import_file(ContentFile(content, name=name))
    assert not ImportJob.objects.exists()


def test_a_persons_csv_beside_a_workbook_is_refused(import_file: ImportFile) -> None:
    with pytest.raises(ServiceError, match="同一工作簿"):
        import_file(
            xlsx_file(cases=[case_row()], persons=None),
            csv_file([PERSON_HEADER, person_row()]),
        )


@pytest.mark.parametrize("username", ["cun02", "shiban", "xitong", "baoguan"])
def test_only_office_and_police_may_import(import_file: ImportFile, username: str) -> None:
    with pytest.raises(ActionNotAllowed):
        import_file(xlsx_file(cases=[case_row()], persons=[]), username=username)
    assert not ImportJob.objects.exists()
    assert _nothing_written()


def test_the_town_police_may_import(import_file: ImportFile) -> None:
    job = import_file(xlsx_file(cases=[case_row()], persons=[]), username="minjing")
    assert job.status == ImportStatus.SUCCEEDED


def test_a_job_runs_only_once(import_file: ImportFile) -> None:
    job = import_file(xlsx_file(cases=[case_row()], persons=[]))
    again = services.run_import_job(job_id=job.pk)
    assert again.status == ImportStatus.SUCCEEDED
    assert AuditEvent.objects.filter(action=AuditAction.CASES_IMPORTED).count() == 1


def test_submitted_import_runs_as_a_background_task_after_commit(
    town: Unit, user: Callable[[str], User], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = services.submit_case_import(
            actor=user("banshi"), unit=town, file=xlsx_file(cases=[case_row()], persons=[])
        )
        assert ImportJob.objects.get(pk=job.pk).status == ImportStatus.PENDING
    # The import after the submission's commit; the import's own commit then enqueues the
    # person registry's refresh of the cases it wrote, which also runs here.
    assert len(callbacks) == 2
    job.refresh_from_db()
    assert job.status == ImportStatus.SUCCEEDED
    assert not PendingChange.objects.exists()
    assert job.processed_rows >= 1 and job.total_rows == 1
    assert Case.objects.count() == 1


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2012, 5, 3, 0, 0), (date(2012, 5, 3), None)),
        (datetime(2012, 5, 3, 21, 30), (date(2012, 5, 3), time(21, 30))),
        (date(2012, 5, 3), (date(2012, 5, 3), None)),
        ("2012-05-03", (date(2012, 5, 3), None)),
        ("2012/5/3", (date(2012, 5, 3), None)),
        ("2012年5月3日", (date(2012, 5, 3), None)),
        ("２０１２年５月３日", (date(2012, 5, 3), None)),
        ("2012.05.03", (date(2012, 5, 3), None)),
        ("20120503", (date(2012, 5, 3), None)),
        (20120503, (date(2012, 5, 3), None)),
        ("2012-05-03 21:30", (date(2012, 5, 3), time(21, 30))),
        ("2012年5月3日21时30分", (date(2012, 5, 3), time(21, 30))),
        (41032, (date(2012, 5, 3), None)),
        (41032.5, (date(2012, 5, 3), time(12, 0))),
    ],
)
def test_occurred_formats(value: object, expected: tuple[date, time | None]) -> None:
    assert parse_occurred(value, today=date(2026, 1, 1)) == expected


@pytest.mark.parametrize("value", ["2012-02-30", "五月三日", "2012-5", "1890-01-01", True, -3])
def test_unusable_occurred_values(value: object) -> None:
    with pytest.raises(InvalidDate):
        parse_occurred(value, today=date(2026, 1, 1))


def test_command_imports_a_workbook(town: Unit, tmp_path: Path) -> None:
    path = tmp_path / "案件.xlsx"
    path.write_bytes(xlsx_file(cases=[case_row()], persons=[person_row()]).read())
    out = io.StringIO()
    call_command("import_cases", str(path), "--unit", "港西镇", stdout=out)
    assert "新增 1 起" in out.getvalue()
    job = ImportJob.objects.get()
    assert job.created_by is None
    assert Case.objects.get().unit == town


def test_command_imports_two_csv_files_as_a_named_user(town: Unit, tmp_path: Path) -> None:
    cases, persons = tmp_path / "案件.csv", tmp_path / "涉案人员.csv"
    cases.write_bytes(csv_file([CASE_HEADER, case_row()], encoding="gbk").read())
    persons.write_bytes(csv_file([PERSON_HEADER, person_row()], encoding="gbk").read())
    call_command(
        "import_cases", str(cases), str(persons), "--user", "minjing", stdout=io.StringIO()
    )
    assert CasePerson.objects.get().case.number == "GX-2012-001"
    job = ImportJob.objects.get()
    assert job.created_by is not None and job.created_by.username == "minjing"


def test_command_prints_every_row_error_and_fails(town: Unit, tmp_path: Path) -> None:
    path = tmp_path / "案件.xlsx"
    path.write_bytes(
        xlsx_file(
            cases=[case_row(nature="民事"), case_row(number="X", village="火星村")], persons=[]
        ).read()
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="发现 2 处错误"):
        call_command("import_cases", str(path), stdout=io.StringIO(), stderr=err)
    assert "工作表“案件” 第2行 案件性质" in err.getvalue()
    assert "工作表“案件” 第3行 所属村" in err.getvalue()
    assert _nothing_written()


def test_command_refuses_an_unknown_town(demo: None, tmp_path: Path) -> None:
    path = tmp_path / "案件.xlsx"
    path.write_bytes(xlsx_file(cases=[case_row()], persons=[]).read())
    with pytest.raises(CommandError, match="没有名为“火星镇”"):
        call_command("import_cases", str(path), "--unit", "火星镇")


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 7, 64])
@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_the_offending_byte_is_found_wherever_the_chunks_split_the_text(
    monkeypatch: pytest.MonkeyPatch, chunk: int, encoding: str
) -> None:
    from saohei.cases import importing

    monkeypatch.setattr(importing, "CSV_CHUNK_BYTES", chunk)
    text = "编号,简要案情\nGX-1,村民甲乙争执\nGX-2,寻衅滋事\n".encode(
        "utf-8" if "utf" in encoding else "gbk"
    )
    for bad_at in (0, 9, len(text) - 3):
        raw = text[:bad_at] + b"\xff" + text[bad_at:]
        found = importing._first_undecodable(io.BytesIO(raw), encoding)
        try:
            raw.decode(encoding)
        except UnicodeDecodeError as error:
            assert found == error.start
        assert importing._line_at(io.BytesIO(raw), found or 0) == raw[: found or 0].count(b"\n") + 1
