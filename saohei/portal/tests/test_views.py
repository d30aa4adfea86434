"""The public site through the test client: no JavaScript, exactly what a cheap phone posts."""

import io
import logging
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from saohei.audit.models import AuditAction, AuditEvent
from saohei.leads import services as lead_services
from saohei.leads.models import Lead
from saohei.organisations.models import Unit, UnitKind, User
from saohei.portal.ratelimit import SUBMIT, WRONG_RECEIPT
from saohei.portal.tests.conftest import receipt_on, solve_challenge, tip_form
from saohei.testing.images import image_bytes
from saohei.tips import services as tip_services
from saohei.tips.models import MessageDirection, Tip, TipAttachment, TipMessage
from saohei.tips.tests.conftest import PDF, PNG, tables_containing
from saohei.vault.models import ReporterIdentity

pytestmark = pytest.mark.django_db
STAFF_PATHS = (
    "/leads/",
    "/accounts/",
    "/org/",
    "/audit/",
    "/tips/",
    "/cases/",
    "/api/",
    "/notifications/",
    "/workdays/",
    "/vault/",
    "/api-tokens/",
    'href="/"',
)


def _file(content: bytes, name: str) -> io.BytesIO:
    stream = io.BytesIO(content)
    stream.name = name
    return stream


def _submit(client: Client, **overrides: object) -> str:
    response = client.post("/jubao/new/", tip_form(client, **overrides))
    assert response.status_code == 200
    return response.content.decode()


def _nothing_written() -> bool:
    files = list(Path(settings.MEDIA_ROOT).rglob("*")) if Path(settings.MEDIA_ROOT).exists() else []
    return (
        not Tip.objects.exists()
        and not TipAttachment.objects.exists()
        and not ReporterIdentity.objects.exists()
        and not AuditEvent.objects.filter(action=AuditAction.TIP_SUBMITTED).exists()
        and not [path for path in files if path.is_file()]
    )


def test_the_notice_comes_first(town: Unit) -> None:
    page = Client().get("/jubao/").content.decode()
    for expected in (
        "举报须知",
        "宗族势力、村霸",
        "黑恶势力保护伞",
        "默认匿名",
        "加密",
        "不会转给被举报人",
        "不会追究您的责任",
        "第二百四十三条",
        'href="/jubao/new/"',
    ):
        assert expected in page, expected


def test_the_form_opens_the_first_person_and_folds_the_others(town: Unit) -> None:
    page = Client().get("/jubao/new/").content.decode()
    assert page.count("<details") == 5
    assert page.count('<details class="portal-person" open') == 1
    assert 'value="anonymous" class="form-check-input" id="id_identity_0" required checked' in page


def test_anonymous_tip_is_submitted_without_javascript(town: Unit) -> None:
    client = Client()
    page = _submit(
        client,
        category=None,
        occurred_when="今年春天以来",
        **{"persons-0-name": "龙某", "persons-0-alias": "龙三"},
        attachments=[_file(PNG, "现场.png"), _file(PDF, "欠条.pdf")],
    )
    receipt = receipt_on(page)
    assert len(receipt) == 16
    assert "只显示这一次" in page and "抄在纸上" in page
    tip = Tip.objects.get()
    assert not tip.is_real_name and tip.reporter_reference == ""
    assert tip.persons.get().alias == "龙三"
    assert sorted(tip.attachments.values_list("content_type", flat=True)) == [
        "application/pdf",
        "image/png",
    ]
    assert not ReporterIdentity.objects.exists()
    assert tables_containing(receipt) == []


def test_an_iphone_photo_is_received_as_a_photo(town: Unit) -> None:
    page = _submit(Client(), attachments=[_file(image_bytes("HEIF"), "IMG_0001.HEIC")])
    assert len(receipt_on(page)) == 16
    attachment = TipAttachment.objects.get()
    assert attachment.content_type == "image/heic" and attachment.display_name.endswith(".heic")


def test_the_receipt_is_shown_once_in_groups_of_four(town: Unit) -> None:
    client = Client()
    page = _submit(client)
    receipt = receipt_on(page)
    groups = [receipt[n : n + 4] for n in range(0, 16, 4)]
    assert "<span>" + "</span> <span>".join(groups) + "</span>" in page
    for url in ("/jubao/", "/jubao/new/", "/jubao/check/"):
        assert receipt not in client.get(url).content.decode(), url


def test_real_name_tip_seals_the_identity(town: Unit) -> None:
    _submit(
        Client(),
        identity="real_name",
        reporter_name="王举报",
        reporter_phone="13912345678",
        reporter_id_number="11010519491231002X",
    )
    tip = Tip.objects.get()
    assert tip.is_real_name and tip.reporter_reference
    assert ReporterIdentity.objects.get().reference == tip.reporter_reference
    for secret in ("王举报", "13912345678", "11010519491231002X"):
        assert tables_containing(secret) == [], secret


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"identity": "real_name"}, "实名举报请填写姓名"),
        ({"identity": "real_name", "reporter_name": "王", "reporter_phone": "123"}, "手机号"),
        ({"reporter_name": "王举报"}, "您选择了匿名举报，却填写了个人信息"),
        ({"content": "太短"}, "主要问题"),
        ({"acknowledged": None}, "请阅读举报须知后勾选"),
    ],
)
def test_invalid_submissions_come_back_with_chinese_messages(
    town: Unit, overrides: dict[str, object], message: str
) -> None:
    page = _submit(Client(), **overrides)
    assert message in page
    assert 'data-testid="receipt"' not in page
    assert _nothing_written()


def test_progress_with_the_right_receipt_shows_only_what_the_reporter_may_see(
    town: Unit,
) -> None:
    client = Client()
    receipt = receipt_on(_submit(client, **{"persons-0-name": "龙某某"}))
    office = User.objects.get(username="banshi")
    tip = Tip.objects.get()
    lead = tip_services.accept_tip(actor=office, tip=tip)
    lead_services.triage_lead(actor=office, lead=lead, opinion="内部研判：疑似与运输公司有关")
    lead_services.assign_lead(actor=office, lead=lead, handling_unit=town, handler=office)
    tip_services.send_message_to_reporter(actor=office, tip=tip, body="请补充车辆特征")

    page = client.post("/jubao/check/", {"receipt": " ".join([receipt[:8], receipt[8:]])})
    html = page.content.decode()
    assert page.status_code == 200
    assert "核查中" in html and "请补充车辆特征" in html and "扫黑办" in html
    for hidden in (office.real_name, "内部研判", "龙某某", lead.number, "banshi"):
        assert hidden not in html, hidden


@pytest.mark.parametrize("typed", ["wrong", "1234", "", "１２３４５６７８９０１２３４５６"])
def test_a_wrong_receipt_gets_the_same_generic_message(town: Unit, typed: str) -> None:
    client = Client()
    receipt = receipt_on(_submit(client))
    attempt = typed if typed != "wrong" else f"{(int(receipt) + 1) % 10**16:016d}"
    response = client.post("/jubao/check/", {"receipt": attempt})
    html = response.content.decode()
    assert response.status_code == 200
    assert tip_services.WRONG_RECEIPT_MESSAGE in html
    assert "当前状态" not in html


def test_reporter_replies_and_adds_material(town: Unit) -> None:
    client = Client()
    receipt = receipt_on(_submit(client))
    response = client.post(
        "/jubao/check/reply/",
        {"receipt": receipt, "body": "补充：车是蓝色的", "attachments": [_file(PNG, "车.png")]},
    )
    assert response.status_code == 200
    assert "已收到您的补充" in response.content.decode()
    message = TipMessage.objects.get()
    assert message.direction == MessageDirection.FROM_REPORTER
    assert message.body == "补充：车是蓝色的"
    assert message.attachments.get().content_type == "image/png"
    assert "补充：车是蓝色的" in response.content.decode()


def test_a_reply_with_a_wrong_receipt_writes_nothing(town: Unit) -> None:
    client = Client()
    receipt = receipt_on(_submit(client))
    wrong = f"{(int(receipt) + 3) % 10**16:016d}"
    response = client.post(
        "/jubao/check/reply/",
        {"receipt": wrong, "body": "冒充补充", "attachments": [_file(PNG, "x.png")]},
    )
    assert tip_services.WRONG_RECEIPT_MESSAGE in response.content.decode()
    assert not TipMessage.objects.exists() and TipAttachment.objects.count() == 0


def _refused_reply(client: Client, receipt: str, **data: object) -> lxml.html.HtmlElement:
    files_before = sorted(Path(settings.MEDIA_ROOT).rglob("*"))
    response = client.post("/jubao/check/reply/", {"receipt": receipt, **data})
    assert response.status_code == 200
    assert not TipMessage.objects.exists()
    assert sorted(Path(settings.MEDIA_ROOT).rglob("*")) == files_before
    page = lxml.html.fromstring(response.content.decode())
    banner = page.find_class("alert-danger")[0].text_content()
    assert "补充尚未提交" in banner and "文字都已保留" in banner
    return page


def test_a_reply_with_a_disguised_file_keeps_the_text_and_says_the_file_was_not_sent(
    town: Unit,
) -> None:
    client = Client()
    receipt = receipt_on(_submit(client))
    page = _refused_reply(
        client,
        receipt,
        body="补充：收费的人今天又来了",
        attachments=[_file(b"MZ\x90\x00" + b"\x00" * 60, "照片.jpg")],
    )
    assert page.get_element_by_id("id_body").text.strip() == "补充：收费的人今天又来了"
    attachments = page.get_element_by_id("id_attachments")
    assert attachments.get("aria-invalid") == "true"
    assert "id_attachments_error" in attachments.get("aria-describedby").split()
    error = page.get_element_by_id("id_attachments_error").text_content()
    assert "类型不受支持" in error
    assert "材料没有上传也没有保存" in error and "请重新选择" in error


def test_a_refused_reply_text_says_the_good_photo_must_be_chosen_again(town: Unit) -> None:
    client = Client()
    receipt = receipt_on(_submit(client))
    too_long = "长" * (tip_services.MAX_TEXT_CHARS + 1)
    page = _refused_reply(client, receipt, body=too_long, attachments=[_file(PNG, "车.png")])
    body = page.get_element_by_id("id_body")
    assert body.text.strip() == too_long
    assert body.get("aria-invalid") == "true"
    assert page.get_element_by_id("id_body_error").text_content()
    error = page.get_element_by_id("id_attachments_error").text_content()
    assert "材料没有上传也没有保存" in error


def test_an_oversized_attachment_is_refused_in_chinese_and_nothing_written(town: Unit) -> None:
    big = _file(PNG + b"\x00" * tip_services.MAX_TIP_FILE_BYTES, "大照片.png")
    page = _submit(Client(), attachments=[big])
    assert "超过 10MB" in page
    assert _nothing_written()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"MZ\x90\x00" + b"\x00" * 60, "照片.jpg", "类型不受支持"),
        (b"<svg onload=alert(1)></svg>", "图.png", "类型不受支持"),
        (b"PK\x03\x04" + b"\x00" * 60, "材料.pdf", "不是照片、录音或PDF"),
    ],
)
def test_a_disguised_attachment_is_refused_and_nothing_written(
    town: Unit, content: bytes, name: str, message: str
) -> None:
    page = _submit(Client(), attachments=[_file(PNG, "好.png"), _file(content, name)])
    assert message in page
    assert _nothing_written()


def test_too_many_attachments_are_refused(town: Unit) -> None:
    page = _submit(Client(), attachments=[_file(PNG, f"{n}.png") for n in range(6)])
    assert "最多上传 5 个" in page
    assert _nothing_written()


def test_a_request_too_large_is_refused_before_its_body_is_read(town: Unit) -> None:
    client = Client()
    response = client.post("/jubao/new/", tip_form(client), CONTENT_LENGTH=str(200 * 1024 * 1024))
    assert response.status_code == 413
    assert "提交的内容太大" in response.content.decode()
    assert _nothing_written()


def test_a_wrong_challenge_answer_writes_nothing(town: Unit) -> None:
    client = Client()
    data = tip_form(client)
    data["challenge_answer"] = str(int(data["challenge_answer"]) + 1)
    page = client.post("/jubao/new/", data).content.decode()
    assert "验证题答案不正确" in page
    assert _nothing_written()
    # The page comes back with a new question to answer.
    assert solve_challenge(page)["challenge_token"] != data["challenge_token"]


def test_a_wrong_answer_keeps_the_text_and_says_the_photo_must_be_chosen_again(
    town: Unit,
) -> None:
    client = Client()
    data = tip_form(client)
    data["challenge_answer"] = str(int(data["challenge_answer"]) + 1)
    photo = io.BytesIO(PNG)
    photo.name = "现场.png"
    response = client.post("/jubao/new/", {**data, "attachments": [photo]})
    page = lxml.html.fromstring(response.content.decode())
    assert page.get_element_by_id("id_content").text.strip() == data["content"]
    banner = page.find_class("alert-danger")[0].text_content()
    assert "举报尚未提交" in banner and "文字都已保留" in banner
    attachments = page.get_element_by_id("id_attachments")
    assert attachments.get("aria-invalid") == "true"
    assert "id_attachments_error" in attachments.get("aria-describedby").split()
    error = page.get_element_by_id("id_attachments_error").text_content()
    assert "附件没有上传" in error and "请重新选择" in error
    answer = page.get_element_by_id("id_challenge_answer")
    assert answer.get("aria-invalid") == "true"
    assert "验证题答案不正确" in page.get_element_by_id("id_challenge_answer_error").text_content()
    assert _nothing_written()
    assert not TipAttachment.objects.exists()


def test_a_challenge_cannot_be_used_twice(town: Unit) -> None:
    client = Client()
    data = tip_form(client)
    assert 'data-testid="receipt"' in client.post("/jubao/new/", data).content.decode()
    page = client.post("/jubao/new/", data).content.decode()
    assert "该验证题已经用过" in page
    assert Tip.objects.count() == 1  # a reload of the receipt page does not file it twice


def test_a_filled_trap_field_writes_nothing(town: Unit) -> None:
    page = _submit(Client(), homepage="http://spam.example")
    assert "验证未通过" in page
    assert _nothing_written()


def test_submissions_are_rate_limited_in_chinese(town: Unit) -> None:
    client = Client()
    for _ in range(SUBMIT.max_hits):
        client.post("/jubao/new/", {"content": ""})
    response = client.post("/jubao/new/", tip_form(client))
    assert response.status_code == 429
    assert "提交次数过多，请一小时后再试" in response.content.decode()
    assert _nothing_written()


def test_wrong_receipts_are_rate_limited_even_for_a_right_one_afterwards(town: Unit) -> None:
    client = Client()
    receipt = receipt_on(_submit(client))
    for n in range(WRONG_RECEIPT.max_hits):
        client.post("/jubao/check/", {"receipt": f"{n:016d}"})
    response = client.post("/jubao/check/", {"receipt": receipt})
    assert response.status_code == 429
    assert "输错次数过多" in response.content.decode()
    reply = client.post("/jubao/check/reply/", {"receipt": receipt, "body": "补充"})
    assert reply.status_code == 429 and not TipMessage.objects.exists()
    # Another client is not affected.
    other = Client(REMOTE_ADDR="198.51.100.4")
    assert other.post("/jubao/check/", {"receipt": receipt}).status_code == 200


def _portal_responses(client: Client) -> dict[str, Any]:
    receipt_page = client.post("/jubao/new/", tip_form(client))
    receipt = receipt_on(receipt_page.content.decode())
    responses = {
        "notice": client.get("/jubao/"),
        "form": client.get("/jubao/new/"),
        "form errors": client.post("/jubao/new/", {"content": ""}),
        "receipt": receipt_page,
        "check": client.get("/jubao/check/"),
        "progress": client.post("/jubao/check/", {"receipt": receipt}),
        "wrong receipt": client.post("/jubao/check/", {"receipt": "0" * 16}),
        "reply": client.post("/jubao/check/reply/", {"receipt": receipt, "body": "补充"}),
        "unknown page": client.get("/jubao/nothing-here/"),
        "missing slash": client.get("/jubao/new"),
        "wrong method": client.get("/jubao/check/reply/"),
        "too large": client.post("/jubao/new/", {}, CONTENT_LENGTH=str(10**9)),
    }
    cache.clear()
    for n in range(WRONG_RECEIPT.max_hits):
        client.post("/jubao/check/", {"receipt": f"{n:016d}"})
    responses["rate limited"] = client.post("/jubao/check/", {"receipt": receipt})
    responses["csrf failure"] = Client(enforce_csrf_checks=True).post(
        "/jubao/check/", {"receipt": receipt}
    )
    return responses


def test_every_portal_response_has_the_protective_headers(town: Unit) -> None:
    for name, response in _portal_responses(Client()).items():
        headers = response.headers
        assert headers["Cache-Control"] == "no-store", name
        assert headers["Referrer-Policy"] == "no-referrer", name
        assert "script-src 'self'" in headers["Content-Security-Policy"], name
        assert "default-src 'self'" in headers["Content-Security-Policy"], name


def test_portal_pages_link_nothing_of_the_staff_site_and_run_no_scripts(town: Unit) -> None:
    for name, response in _portal_responses(Client()).items():
        html = response.content.decode()
        for path in STAFF_PATHS:
            assert path not in html, f"{name}: {path}"
        assert "<script" not in html, name
        assert "http://" not in html and "https://" not in html, name


def test_portal_sets_no_cookie_but_the_csrf_token(town: Unit) -> None:
    for name, response in _portal_responses(Client()).items():
        assert set(response.cookies) <= {"csrftoken"}, name


def test_portal_checks_csrf(town: Unit) -> None:
    client = Client(enforce_csrf_checks=True)
    refused = client.post("/jubao/check/", {"receipt": "0" * 16})
    assert refused.status_code == 403 and "页面已过期" in refused.content.decode()
    client.get("/jubao/check/")
    token = client.cookies["csrftoken"].value
    allowed = client.post("/jubao/check/", {"receipt": "0" * 16, "csrfmiddlewaretoken": token})
    assert allowed.status_code == 200
    # no-referrer makes browsers send "Origin: null": the token still has to match.
    data = {"receipt": "0" * 16, "csrfmiddlewaretoken": token}
    assert client.post("/jubao/check/", data, HTTP_ORIGIN="null").status_code == 200
    foreign = client.post("/jubao/check/", data, HTTP_ORIGIN="http://evil.example")
    assert foreign.status_code == 403
    without_token = client.post("/jubao/check/", {"receipt": "0" * 16}, HTTP_ORIGIN="null")
    assert without_token.status_code == 403


def test_nothing_about_the_reporter_reaches_logs_audit_or_cache(
    town: Unit, caplog: pytest.LogCaptureFixture
) -> None:
    address, agent = "203.0.113.77", "CheapPhone/1.0 (Android 8)"
    client = Client(REMOTE_ADDR=address, HTTP_USER_AGENT=agent)
    with caplog.at_level(logging.DEBUG):
        _submit(client, attachments=[_file(b"bad", "x.jpg")])
        receipt = receipt_on(_submit(client))
        client.post("/jubao/check/", {"receipt": receipt})
        client.post("/jubao/check/", {"receipt": "1" * 16})
        client.post("/jubao/check/reply/", {"receipt": receipt, "body": "补充"})
        client.get("/jubao/nothing/")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for secret in (receipt, address, agent):
        assert secret not in logged, secret
    assert not AuditEvent.objects.filter(ip_address__isnull=False).exists()
    events = AuditEvent.objects.filter(action__startswith="tip_")
    assert events.count() == 2 and all(event.actor is None for event in events)
    cached = "\n".join(str(key) for key in cache._cache)  # type: ignore[attr-defined]
    assert ":rate:" in cached and address not in cached


def test_a_signed_in_staff_member_sees_the_portal_without_staff_navigation(
    town: Unit, client_as: object
) -> None:
    client = client_as("banshi")  # type: ignore[operator]
    html = client.get("/jubao/").content.decode()
    assert "退出" not in html and "/leads/" not in html


def test_the_portal_serves_several_towns(town: Unit) -> None:
    from saohei.organisations.services import build_unit

    other = build_unit(
        name="港东镇", kind=UnitKind.TOWN, parent=town.parent, code="GD", sort_order=20
    )
    build_unit(name="东山村", kind=UnitKind.VILLAGE, parent=other, code="", sort_order=1)
    client = Client()
    form = client.get("/jubao/new/").content.decode()
    assert "港东镇 · 东山村" in form and "港西镇 · 龙泉村" in form
    village = Unit.objects.get(name="龙泉村")
    page = _submit(client, town=str(other.pk), village=str(village.pk))
    assert "所选村（社区）不在该镇" in page
    receipt_on(_submit(client, town=str(other.pk)))
    assert Tip.objects.get().unit == other
    assert not Lead.objects.exists()


def test_rotating_a_spoofed_forwarded_hop_does_not_escape_the_receipt_limit(
    town: Unit, settings: Any
) -> None:
    settings.SAOHEI_TRUSTED_PROXY_COUNT = 1
    # One client behind nginx (REMOTE_ADDR is the proxy), inventing a new first hop each time.
    client = Client(REMOTE_ADDR="127.0.0.1")
    statuses = [
        client.post(
            "/jubao/check/",
            {"receipt": f"{n:016d}"},
            HTTP_X_FORWARDED_FOR=f"203.0.{n // 256}.{n % 256}, 198.51.100.7",
        ).status_code
        for n in range(300)
    ]
    assert statuses[: WRONG_RECEIPT.max_hits] == [200] * WRONG_RECEIPT.max_hits
    assert statuses[WRONG_RECEIPT.max_hits :] == [429] * (300 - WRONG_RECEIPT.max_hits)
    # The next client behind the same proxy is counted on its own.
    other = client.post("/jubao/check/", {"receipt": "0" * 16}, HTTP_X_FORWARDED_FOR="198.51.100.8")
    assert other.status_code == 200


def test_an_uploaded_attachment_and_its_folders_are_readable_by_the_service_account_only(
    town: Unit,
) -> None:
    _submit(Client(), attachments=[_file(PNG, "车.png")])
    stored = Path(TipAttachment.objects.get().file.path)
    assert stored.stat().st_mode & 0o777 == 0o600
    media_root = Path(settings.MEDIA_ROOT)
    folder = stored.parent
    while folder != media_root.parent:
        assert folder.stat().st_mode & 0o777 == 0o700, folder
        folder = folder.parent
