"""The staff intake pages (/tips/) for every kind of user, and the actions through them."""

from collections.abc import Callable

import lxml.html
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from saohei.audit.models import AuditAction, AuditEvent
from saohei.leads.models import Lead
from saohei.tips.models import Tip, TipMessage, TipStatus
from saohei.tips.services import PersonInput, SubmittedTip
from saohei.tips.tests.conftest import PNG, checked

pytestmark = pytest.mark.django_db
Submit = Callable[..., SubmittedTip]
ClientAs = Callable[[str], Client]

OFFICE_AND_LEADERS = ["banshi", "shuji", "zhenzhang", "fushuji", "jiaodaoyuan"]
LEADERS = ["shuji", "zhenzhang", "fushuji", "jiaodaoyuan"]
# 村负责人, 派出所民警, 上级督导, 保管员 and the 三员: no intake queue at all.
OUTSIDERS = [
    "cun01",
    "cun05",
    "minjing",
    "suozhang",
    "shiban",
    "baoguan",
    "xitong",
    "anquan",
    "shenji",
]


@pytest.mark.parametrize("username", OFFICE_AND_LEADERS)
def test_office_and_leaders_open_the_queue_and_the_tip(
    client_as: ClientAs, submit: Submit, username: str
) -> None:
    tip = submit().tip
    client = client_as(username)
    queue = client.get("/tips/")
    assert queue.status_code == 200
    assert f"/tips/{tip.pk}/" in queue.content.decode()
    assert client.get(f"/tips/{tip.pk}/").status_code == 200


@pytest.mark.parametrize("username", OUTSIDERS)
def test_everyone_else_is_refused_the_queue_and_the_tip(
    client_as: ClientAs, submit: Submit, username: str
) -> None:
    tip = submit(attachments=checked()).tip
    attachment = tip.attachments.get()
    client = client_as(username)
    assert client.get("/tips/").status_code == 403
    assert client.get(f"/tips/{tip.pk}/").status_code == 403
    assert client.get(f"/tips/{tip.pk}/attachments/{attachment.pk}/").status_code == 404
    assert client.post(f"/tips/{tip.pk}/accept/", {"summary": "受理"}).status_code == 403
    assert client.post(f"/tips/{tip.pk}/message/", {"body": "你好"}).status_code == 403
    assert Tip.objects.get().status == TipStatus.PENDING and not TipMessage.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(submit: Submit) -> None:
    tip = submit().tip
    for url in ("/tips/", f"/tips/{tip.pk}/"):
        response = Client().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_tip_about_officials_is_hidden_from_office_staff(
    client_as: ClientAs, submit: Submit
) -> None:
    tip = submit(persons=[PersonInput(name="某站长", position="某站站长")]).tip
    clerk = client_as("banshi")
    assert f"/tips/{tip.pk}/" not in clerk.get("/tips/").content.decode()
    assert clerk.get(f"/tips/{tip.pk}/").status_code == 404
    assert clerk.post(f"/tips/{tip.pk}/accept/", {"summary": "受理"}).status_code == 404
    for username in LEADERS:
        leader = client_as(username)
        assert f"/tips/{tip.pk}/" in leader.get("/tips/").content.decode(), username
        assert leader.get(f"/tips/{tip.pk}/").status_code == 200, username


def test_the_menu_shows_intake_to_the_office_only(client_as: ClientAs) -> None:
    assert "举报受理" in client_as("banshi").get("/").content.decode()
    assert "举报受理" in client_as("shuji").get("/").content.decode()
    assert "举报受理" not in client_as("cun01").get("/").content.decode()
    assert "举报受理" not in client_as("minjing").get("/").content.decode()


def test_viewing_a_tip_is_audited_with_the_staff_address(
    client_as: ClientAs, submit: Submit
) -> None:
    tip = submit().tip
    client_as("banshi").get(f"/tips/{tip.pk}/")
    event = AuditEvent.objects.get(action=AuditAction.TIP_VIEWED)
    assert event.actor is not None and event.actor.username == "banshi"
    assert event.ip_address == "127.0.0.1"


def test_the_staff_page_shows_the_reporter_only_as_sealed(
    client_as: ClientAs, submit: Submit
) -> None:
    from saohei.leads.services import ReporterInput

    tip = submit(reporter=ReporterInput(name="王举报", phone="13912345678")).tip
    page = client_as("banshi").get(f"/tips/{tip.pk}/").content.decode()
    assert "实名举报（身份已加密" in page
    assert "王举报" not in page and "13912345678" not in page


def test_office_accepts_a_tip_through_the_page(client_as: ClientAs, submit: Submit) -> None:
    tip = submit().tip
    response = client_as("banshi").post(
        f"/tips/{tip.pk}/accept/", {"summary": "村民举报龙泉村有人拦车收费"}
    )
    assert response.status_code == 302 and response["Location"] == f"/tips/{tip.pk}/"
    lead = Lead.objects.get()
    assert lead.summary == "村民举报龙泉村有人拦车收费"
    assert Tip.objects.get().lead == lead


def test_spam_queue_and_restore_through_the_pages(client_as: ClientAs, submit: Submit) -> None:
    tip = submit().tip
    client = client_as("banshi")
    client.post(f"/tips/{tip.pk}/spam/", {"reason": "广告"})
    assert Tip.objects.get().status == TipStatus.SPAM
    assert f"/tips/{tip.pk}/" not in client.get("/tips/").content.decode()
    assert f"/tips/{tip.pk}/" in client.get("/tips/?status=spam").content.decode()
    client.post(f"/tips/{tip.pk}/restore/")
    assert Tip.objects.get().status == TipStatus.PENDING


def test_office_messages_the_reporter_and_sees_the_conversation(
    client_as: ClientAs, submit: Submit
) -> None:
    tip = submit().tip
    client = client_as("banshi")
    client.post(f"/tips/{tip.pk}/message/", {"body": "请补充事发日期"})
    message = TipMessage.objects.get()
    assert message.body == "请补充事发日期" and message.author is not None
    page = client.get(f"/tips/{tip.pk}/").content.decode()
    assert "请补充事发日期" in page


def test_attachment_download_is_audited(client_as: ClientAs, submit: Submit) -> None:
    tip = submit(attachments=checked()).tip
    attachment = tip.attachments.get()
    response = client_as("banshi").get(f"/tips/{tip.pk}/attachments/{attachment.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG  # type: ignore[attr-defined]
    assert "attachment" in response["Content-Disposition"]
    event = AuditEvent.objects.get(action=AuditAction.ATTACHMENT_DOWNLOADED)
    assert event.details["sha256"] == attachment.sha256


def test_queue_query_count_does_not_grow_with_tips(client_as: ClientAs, submit: Submit) -> None:
    submit()
    client = client_as("banshi")
    client.get("/tips/")  # the session and menu warm up
    with CaptureQueriesContext(connection) as one:
        response = client.get("/tips/")
    assert response.status_code == 200
    rows = response.content.decode().count('href="/tips/')
    for _ in range(12):
        submit(persons=[PersonInput(name="某甲")])
    with CaptureQueriesContext(connection) as many:
        response = client.get("/tips/")
    assert response.status_code == 200
    assert response.content.decode().count('href="/tips/') == rows + 12
    assert len(many.captured_queries) == len(one.captured_queries)


def test_refused_acceptance_keeps_the_summary_and_says_what_is_wrong_beside_it(
    client_as: ClientAs, submit: Submit
) -> None:
    tip = submit().tip
    too_long = "村民举报龙泉村有人拦车收费" * 40
    response = client_as("banshi").post(f"/tips/{tip.pk}/accept/", {"summary": too_long})
    assert response.status_code == 400
    page = lxml.html.fromstring(response.content.decode())
    summary = page.get_element_by_id("id_summary")
    assert summary.text.strip() == too_long
    assert summary.get("aria-invalid") == "true"
    described_by = summary.get("aria-describedby").split()
    assert "id_summary_error" in described_by
    assert "500" in page.get_element_by_id("id_summary_error").text_content()
    assert not Lead.objects.exists()
    assert Tip.objects.get().status == TipStatus.PENDING
