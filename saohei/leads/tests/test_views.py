import io
from collections.abc import Callable
from datetime import timedelta

import lxml.html
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from docx import Document

from saohei.audit.models import AuditAction, AuditEvent
from saohei.leads import services
from saohei.leads.models import Attachment, Lead, Status
from saohei.leads.tests.conftest import advance
from saohei.organisations.models import Unit, User

pytestmark = pytest.mark.django_db
Register = Callable[..., Lead]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _form(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "received_at": (timezone.localtime() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "channel": "phone",
        "source": "public_report",
        "summary": "村民反映有人在码头收保护费",
        "subjects-TOTAL_FORMS": "3",
        "subjects-INITIAL_FORMS": "0",
        "subjects-MIN_NUM_FORMS": "0",
        "subjects-MAX_NUM_FORMS": "20",
        "subjects-0-name": "张三",
        "subjects-0-alias": "三哥",
        "subjects-0-id_number": "11010519491231002X",
        "subjects-0-phone": "13912345678",
        "subjects-0-role": "reported",
        "subjects-1-role": "reported",
        "subjects-2-role": "reported",
    }
    data.update(overrides)
    return data


def test_office_registers_a_lead_through_the_form(client_as: Callable[[str], Client]) -> None:
    upload = io.BytesIO(PNG)
    upload.name = "现场照片.png"
    response = client_as("banshi").post("/leads/new/", {**_form(), "attachments": [upload]})
    assert response.status_code == 302
    lead = Lead.objects.get()
    assert response["Location"] == f"/leads/{lead.pk}/"
    assert lead.subjects.get().alias == "三哥"
    attachment = Attachment.objects.get()
    assert attachment.original_name == "现场照片.png"
    assert len(attachment.sha256) == 64
    assert attachment.sha256 in str(attachment.file.name)


def test_supervisor_is_offered_only_the_sources_assigned_from_above(
    client_as: Callable[[str], Client],
) -> None:
    """上级交办, and 12337平台下发 which the city passes on (decision 0062)."""
    page = client_as("shiban").get("/leads/new/")
    assert page.status_code == 200
    assert [value for value, _ in page.context["form"].fields["source"].choices] == [
        "upper_assigned",
        "platform_12337",
    ]


def test_supervisor_cannot_register_a_lead_of_another_source(
    client_as: Callable[[str], Client],
) -> None:
    response = client_as("shiban").post(
        "/leads/new/", _form(source="public_report", upstream_office="荣成市扫黑办")
    )
    assert response.status_code == 400
    assert "source" in response.context["form"].errors
    assert not Lead.objects.exists()


def test_supervisors_registered_lead_is_on_its_list_and_dashboard(
    client_as: Callable[[str], Client],
) -> None:
    client = client_as("shiban")
    response = client.post(
        "/leads/new/", _form(source="upper_assigned", upstream_office="荣成市扫黑办")
    )
    assert response.status_code == 302
    lead = Lead.objects.get()
    listing = client.get("/leads/")
    assert listing.context["count"] == "1"
    assert lead.number in listing.content.decode()
    assert client.get(f"/leads/{lead.pk}/").status_code == 200
    board = client.get("/").context["dashboard"]
    open_card = next(kpi for kpi in board["kpis"] if kpi["label"] == "未办结线索")
    assert str(open_card["value"]) == client.get(open_card["url"]).context["count"] == "1"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"summary": ""}, "必填"),
        ({"channel": "pigeon"}, "有效的选项"),
        ({"received_at": "not-a-date"}, "有效的日期"),
        ({"subjects-0-id_number": "110105194912310021"}, "校验位"),
        ({"subjects-0-phone": "12345"}, "11位"),
        ({"subjects-0-name": ""}, "须填写姓名"),
        ({"source": "upper_assigned"}, "交办单位"),
        ({"subjects-TOTAL_FORMS": "abc"}, ""),
    ],
)
def test_bad_registration_input_writes_nothing(
    client_as: Callable[[str], Client], overrides: dict[str, object], message: str
) -> None:
    response = client_as("banshi").post("/leads/new/", _form(**overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Lead.objects.exists()


def test_wrong_id_check_digit_is_marked_on_the_subjects_field(
    client_as: Callable[[str], Client],
) -> None:
    response = client_as("banshi").post(
        "/leads/new/", _form(**{"subjects-0-id_number": "110105194912310021"})
    )
    assert response.status_code == 400
    page = lxml.html.fromstring(response.content.decode())
    id_number = page.get_element_by_id("id_subjects-0-id_number")
    assert id_number.get("value") == "110105194912310021"
    assert id_number.get("aria-invalid") == "true"
    error = page.get_element_by_id(id_number.get("aria-describedby"))
    assert "校验位不正确" in error.text_content()
    # The banner names the field; the reason stands beside it.
    assert "请查看标出的栏目：身份证号" in response.content.decode()
    assert page.get_element_by_id("id_summary").text.strip() == "村民反映有人在码头收保护费"
    assert not Lead.objects.exists()


def test_refused_registration_asks_for_the_files_again(
    client_as: Callable[[str], Client],
) -> None:
    upload = io.BytesIO(b"%PDF-1.4 test")
    upload.name = "笔录.pdf"
    response = client_as("banshi").post(
        "/leads/new/", {**_form(summary=""), "attachments": [upload]}
    )
    assert response.status_code == 400
    page = lxml.html.fromstring(response.content.decode())
    assert "id_attachments_error" in page.get_element_by_id("id_attachments").get(
        "aria-describedby"
    )
    error = page.get_element_by_id("id_attachments_error")
    assert "请重新选择文件" in error.text_content()
    assert not Lead.objects.exists()


def test_fake_image_is_refused(client_as: Callable[[str], Client]) -> None:
    upload = io.BytesIO(b"MZ\x90\x00 this is an exe")
    upload.name = "photo.jpg"
    response = client_as("banshi").post("/leads/new/", {**_form(), "attachments": [upload]})
    assert "类型不受支持" in response.content.decode()
    assert not Lead.objects.exists()
    assert not Attachment.objects.exists()


def test_workflow_through_the_pages(client_as: Callable[[str], Client], register: Register) -> None:
    lead = register(
        source="upper_assigned",
        upstream_office="荣成市扫黑办",
        upstream_reference="荣扫黑办〔2026〕3号",
    )
    office, leader = client_as("banshi"), client_as("shuji")
    town = Unit.objects.get(name="港西镇")
    office.post(f"/leads/{lead.pk}/triage/", {"triage-text": "由镇扫黑办会同派出所核查"})
    office.post(
        f"/leads/{lead.pk}/assign/",
        {"handling_unit": town.pk, "police_unit": Unit.objects.get(name="港西派出所").pk},
    )
    evidence = io.BytesIO(b"%PDF-1.4 test")
    evidence.name = "笔录.pdf"
    office.post(
        f"/leads/{lead.pk}/investigate/",
        {
            "occurred_on": timezone.localdate().isoformat(),
            "content": "询问码头经营户",
            "evidence": [evidence],
        },
    )
    office.post(
        f"/leads/{lead.pk}/propose/",
        {"conclusion": "excluded", "basis": "经走访核实，系正常收费，排除涉黑涉恶可能"},
    )
    response = leader.post(f"/leads/{lead.pk}/sign-off/", {"decision": "approve", "note": "同意"})
    assert response.status_code == 302
    office.post(
        f"/leads/{lead.pk}/feedback/",
        {
            "fed_back_on": timezone.localdate().isoformat(),
            "recipient": "荣成市扫黑办",
            "content": "经核查，排除涉黑涉恶可能。",
        },
    )
    lead.refresh_from_db()
    assert lead.status == Status.CONCLUDED
    assert lead.fed_back_at is not None
    feedback = lead.feedbacks.get()
    docx = office.get(f"/leads/{lead.pk}/feedback/{feedback.pk}.docx")
    assert docx.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert lead.number in text
    assert "排除涉黑涉恶" in text
    assert "孙志远" in text  # the signing leader
    assert AuditEvent.objects.filter(action=AuditAction.LEAD_EXPORTED).exists()
    # The evidence downloads intact, and the download is audited.
    attachment = lead.attachments.get()
    download = office.get(f"/leads/{lead.pk}/attachments/{attachment.pk}/")
    assert b"".join(download.streaming_content) == b"%PDF-1.4 test"  # type: ignore[attr-defined]
    assert AuditEvent.objects.filter(action=AuditAction.ATTACHMENT_DOWNLOADED).exists()


def test_refused_action_shows_a_chinese_message(
    client_as: Callable[[str], Client], register: Register
) -> None:
    lead = register()
    response = client_as("banshi").post(f"/leads/{lead.pk}/archive/", follow=True)
    assert "不能归档" in response.content.decode()


def test_invalid_action_form_keeps_the_text_and_marks_the_field(
    client_as: Callable[[str], Client], register: Register
) -> None:
    lead = advance(register(), "assigned")
    response = client_as("banshi").post(
        f"/leads/{lead.pk}/investigate/", {"occurred_on": "bad", "content": "走访了三户村民"}
    )
    assert response.status_code == 400
    page = lxml.html.fromstring(response.content.decode())
    assert "提交的内容有误" in response.content.decode()
    assert page.get_element_by_id("id_content").text.strip() == "走访了三户村民"
    date_input = page.get_element_by_id("id_occurred_on")
    assert date_input.get("aria-invalid") == "true"
    assert page.get_element_by_id(date_input.get("aria-describedby")).text_content().strip()
    assert lead.investigation_entries.count() == 0


def test_refused_instruction_answer_keeps_the_text_beside_its_instruction(
    client_as: Callable[[str], Client], register: Register
) -> None:
    lead = advance(register(), "assigned")
    leader = User.objects.get(username="shuji")
    services.give_instruction(actor=leader, lead=lead, content="限期查清")
    instruction = lead.instructions.get()
    too_long = "已" * 5001
    response = client_as("banshi").post(
        f"/leads/{lead.pk}/instructions/{instruction.pk}/answer/",
        {f"answer{instruction.pk}-text": too_long},
    )
    assert response.status_code == 400
    page = lxml.html.fromstring(response.content.decode())
    answer = page.get_element_by_id(f"id_answer{instruction.pk}-text")
    assert answer.text.strip() == too_long
    assert answer.get("aria-invalid") == "true"
    instruction.refresh_from_db()
    assert instruction.answered_at is None


def test_village_head_cannot_download_another_villages_attachment(
    client_as: Callable[[str], Client], register: Register
) -> None:
    office = client_as("banshi")
    upload = io.BytesIO(PNG)
    upload.name = "a.png"
    office.post("/leads/new/", {**_form(), "attachments": [upload]})
    lead = Lead.objects.get()
    attachment = lead.attachments.get()
    assert (
        client_as("cun01").get(f"/leads/{lead.pk}/attachments/{attachment.pk}/").status_code == 404
    )


def test_feedback_document_is_office_only(
    client_as: Callable[[str], Client], register: Register
) -> None:
    lead = advance(register(source="upper_assigned", upstream_office="荣成市扫黑办"), "concluded")
    client_as("banshi").post(
        f"/leads/{lead.pk}/feedback/",
        {
            "fed_back_on": timezone.localdate().isoformat(),
            "recipient": "荣成市扫黑办",
            "content": "已排除",
        },
    )
    feedback = lead.feedbacks.get()
    assert (
        client_as("minjing").get(f"/leads/{lead.pk}/feedback/{feedback.pk}.docx").status_code == 404
    )


def test_list_filters_search_and_colours(
    client_as: Callable[[str], Client], register: Register
) -> None:
    overdue = register(summary="逾期的线索：码头收费问题")
    Lead.objects.filter(pk=overdue.pk).update(due_on=timezone.localdate() - timedelta(days=2))
    soon = register(summary="快到期的线索：渔船被砸")
    Lead.objects.filter(pk=soon.pk).update(due_on=timezone.localdate())
    client = client_as("banshi")
    page = client.get("/leads/").content.decode()
    assert 'data-due="overdue"' in page
    assert 'data-due="soon"' in page
    only_overdue = client.get("/leads/", {"due": "overdue"}).content.decode()
    assert overdue.number in only_overdue
    assert soon.number not in only_overdue
    searched = client.get("/leads/", {"q": "渔船"}).content.decode()
    assert soon.number in searched
    assert overdue.number not in searched
    bad = client.get("/leads/", {"date_from": "2026-99-01", "status": "bogus"})
    assert bad.status_code == 200
    assert "有效的日期" in bad.content.decode()


def test_list_pages_by_keyset(client_as: Callable[[str], Client], register: Register) -> None:
    now = timezone.now()
    for n in range(55):
        register(summary=f"第{n}条", received_at=now - timedelta(minutes=n + 1))
    client = client_as("banshi")
    first = client.get("/leads/").content.decode()
    assert "第0条" in first and "第50条" not in first
    after = first.split("after=")[1].split('"')[0]
    second = client.get("/leads/", {"after": after}).content.decode()
    assert "第50条" in second and "第0条" not in second
    before = second.split("before=")[1].split('"')[0]
    back = client.get("/leads/", {"before": before}).content.decode()
    assert "第0条" in back
    assert client.get("/leads/", {"after": "garbage!!"}).status_code == 200


def test_list_query_count_does_not_grow_with_rows(
    client_as: Callable[[str], Client], register: Register
) -> None:
    client = client_as("banshi")
    for n in range(3):
        register(summary=f"线索{n}")
    with CaptureQueriesContext(connection) as few:
        response = client.get("/leads/")
    assert response.status_code == 200 and "线索2" in response.content.decode()
    for n in range(20):
        register(summary=f"更多线索{n}")
    with CaptureQueriesContext(connection) as many:
        response = client.get("/leads/")
    assert response.status_code == 200 and "更多线索19" in response.content.decode()
    assert len(many) == len(few)


def test_detail_page_shows_possible_duplicates(
    client_as: Callable[[str], Client], register: Register
) -> None:
    from saohei.leads import services

    first = register(subjects=[services.SubjectInput(name="张三", id_number="11010519491231002X")])
    second = register(
        summary="完全不同的内容",
        subjects=[services.SubjectInput(name="张某", id_number="11010519491231002X")],
    )
    page = client_as("banshi").get(f"/leads/{second.pk}/").content.decode()
    duplicates = page.split('data-testid="duplicates"')[1].split("</ul>")[0]
    assert first.number in duplicates
    assert "身份证号相同" in duplicates


def test_deadline_in_an_unknown_year_shows_a_warning(
    client_as: Callable[[str], Client], register: Register
) -> None:
    from datetime import date

    lead = register()
    Lead.objects.filter(pk=lead.pk).update(due_on=date(2031, 3, 3))
    page = client_as("banshi").get(f"/leads/{lead.pk}/").content.decode()
    assert 'data-testid="deadline-warning"' in page
    assert "2031" in page.split('data-testid="deadline-warning"')[1].split("</div>")[0]
    Lead.objects.filter(pk=lead.pk).update(due_on=date(2026, 12, 31))
    assert (
        'data-testid="deadline-warning"'
        not in client_as("banshi").get(f"/leads/{lead.pk}/").content.decode()
    )


def test_list_filters_by_handler(client_as: Callable[[str], Client], register: Register) -> None:
    from saohei.organisations.models import User

    mine = advance(register(summary="由李晓静承办的线索"), "assigned")
    other = register(summary="尚未交办的线索")
    page = (
        client_as("shuji")
        .get("/leads/", {"handler": User.objects.get(username="banshi").pk})
        .content.decode()
    )
    assert mine.number in page
    assert other.number not in page
    assert client_as("shuji").get("/leads/", {"handler": "999999"}).status_code == 200
