"""/api/v1/tips: the intake queue for the office through `tips.access` and `tips.services` — who
may read and act (every role, another town, a tip concerning officials, anonymous), what is
written and audited, and that a real-name reporter's identity is in no answer of any operation."""

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from saohei.api.services import create_api_token
from saohei.audit.models import AuditAction, AuditEvent
from saohei.common.roles import Role
from saohei.leads.defaults import seed_defaults
from saohei.leads.models import DictionaryEntry, DictionaryKind, Lead, SourceTimeLimit
from saohei.leads.services import ReporterInput
from saohei.meetings.tests.conftest import make_account
from saohei.organisations.models import Unit, UnitKind, User
from saohei.organisations.services import build_unit
from saohei.tips import services
from saohei.tips.models import Tip, TipMessage, TipPerson, TipStatus
from saohei.tips.services import PersonInput, SubmittedTip
from saohei.tips.tests.conftest import checked

pytestmark = pytest.mark.django_db

# The reporter of the planted tip: none of it may appear in any answer.
REPORTER = ReporterInput(
    name="欧阳举报甲", phone="13912345678", id_number="11010519491231002X", address="东风路九号"
)
SECRETS = ("欧阳举报甲", "13912345678", "139 1234 5678", "11010519491231002X", "东风路九号")


@pytest.fixture(autouse=True)
def _isolated(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()


@pytest.fixture
def town(demo: None) -> Unit:
    seed_defaults(DictionaryEntry, SourceTimeLimit)
    return Unit.objects.get(name="港西镇")


@pytest.fixture
def village(town: Unit) -> Unit:
    return Unit.objects.get(name="龙泉村", parent=town)


@pytest.fixture
def submitted(town: Unit, village: Unit) -> SubmittedTip:
    """A real-name tip with a file, and the reporter's follow-up through the receipt."""
    tip = services.submit_tip(
        unit=town,
        data=services.TipInput(
            content="有人在龙泉村村口夜里拦车收“过路费”，不给就打人",
            village=village,
            persons=[PersonInput(name="刘黑子")],
            reporter=REPORTER,
            attachments=checked(),
        ),
    )
    services.follow_up_with_receipt(receipt=tip.receipt, body="昨晚又收了一次，车牌我记下了")
    return tip


@pytest.fixture
def tip(submitted: SubmittedTip) -> Tip:
    return submitted.tip


@pytest.fixture
def other_town(town: Unit) -> Unit:
    other = build_unit(name="港东镇", kind=UnitKind.TOWN, parent=town.parent, code="GD")
    make_account("gdbanshi", "gdbanshi", other, Role.OFFICE_STAFF)
    return other


def _headers(username: str | None) -> dict[str, str]:
    if username is None:
        return {}
    _, token = create_api_token(user=User.objects.get(username=username), name="受理")
    return {"Authorization": f"Bearer {token}"}


def _get(url: str, username: str | None) -> Any:
    return Client().get(url, headers=_headers(username))


def _post(url: str, username: str | None, body: dict[str, object] | None = None) -> Any:
    return Client().post(
        url, json.dumps(body or {}), content_type="application/json", headers=_headers(username)
    )


def _error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    return body["error"]  # type: ignore[no-any-return]


def _leaks(response: Any, submitted: SubmittedTip) -> list[str]:
    """Anything of the reporter in an answer: identity, vault reference, receipt."""
    text = response.content.decode()
    tip = Tip.objects.get(pk=submitted.tip.pk)
    found = [secret for secret in SECRETS if secret in text]
    for value in (tip.reporter_reference, tip.receipt_digest, submitted.receipt):
        if value and value in text:
            found.append(value)
    return found


# ---------------------------------------------------------------------------------------------
# Reads


@pytest.mark.parametrize("username", ["banshi", "shuji", "fushuji"])
def test_the_office_lists_the_towns_pending_tips(tip: Tip, username: str) -> None:
    response = _get("/api/v1/tips", username)
    assert response.status_code == 200, response.content
    body = response.json()
    assert [item["id"] for item in body["items"]] == [tip.pk]
    assert body["items"][0]["awaits_office_reply"] is True
    assert {row["status"]: row["count"] for row in body["counts"]} == {
        "pending": "1",
        "accepted": "0",
        "spam": "0",
    }
    assert _get("/api/v1/tips?status=spam", username).json()["items"] == []
    assert _get("/api/v1/tips?q=过路费", username).json()["items"][0]["id"] == tip.pk
    assert _get("/api/v1/tips?q=刘黑子", username).json()["items"][0]["id"] == tip.pk
    assert _get("/api/v1/tips?q=没有的词", username).json()["items"] == []


@pytest.mark.parametrize("username", ["cun01", "suozhang", "shiban", "baoguan", "xitong"])
def test_roles_outside_intake_get_403(tip: Tip, username: str) -> None:
    assert _error(_get("/api/v1/tips", username), 403)["code"] == "forbidden"
    _error(_get(f"/api/v1/tips/{tip.pk}", username), 403)
    _error(_post(f"/api/v1/tips/{tip.pk}/spam", username, {"reason": "广告"}), 403)


def test_another_towns_office_sees_no_tip_and_gets_404(tip: Tip, other_town: Unit) -> None:
    assert _get("/api/v1/tips", "gdbanshi").json()["items"] == []
    _error(_get(f"/api/v1/tips/{tip.pk}", "gdbanshi"), 404)
    _error(_post(f"/api/v1/tips/{tip.pk}/spam", "gdbanshi", {"reason": "广告"}), 404)
    assert Tip.objects.get(pk=tip.pk).status == TipStatus.PENDING


def test_anonymous_callers_get_401(tip: Tip) -> None:
    _error(_get("/api/v1/tips", None), 401)
    _error(_get(f"/api/v1/tips/{tip.pk}", None), 401)


def test_a_tip_shows_its_content_files_and_conversation_and_is_audited(tip: Tip) -> None:
    response = _get(f"/api/v1/tips/{tip.pk}", "banshi")
    assert response.status_code == 200
    body = response.json()
    assert body["content"].startswith("有人在龙泉村") and body["village"] == "龙泉村"
    assert body["is_real_name"] is True
    assert [person["name"] for person in body["persons"]] == ["刘黑子"]
    (attachment,) = body["attachments"]
    assert attachment["name"].startswith("附件") and len(attachment["sha256"]) == 64
    (message,) = body["conversation"]
    assert message["direction"] == "from_reporter" and message["author"] == ""
    assert "reporter_reference" not in body and "receipt_digest" not in body
    assert AuditEvent.objects.filter(
        action=AuditAction.TIP_VIEWED, actor__username="banshi"
    ).exists()


def test_a_tip_concerning_officials_is_the_leaders_alone(tip: Tip) -> None:
    _post(f"/api/v1/tips/{tip.pk}/persons", "banshi", {"name": "周村官", "role": "village_cadre"})
    _error(_get(f"/api/v1/tips/{tip.pk}", "banshi"), 404)
    assert _get("/api/v1/tips", "banshi").json()["items"] == []
    assert _get(f"/api/v1/tips/{tip.pk}", "shuji").json()["concerns_officials"] is True


# ---------------------------------------------------------------------------------------------
# Actions


def test_accepting_registers_a_lead(tip: Tip, village: Unit) -> None:
    category = DictionaryEntry.objects.filter(kind=DictionaryKind.TARGET_CATEGORY).first()
    assert category is not None
    response = _post(
        f"/api/v1/tips/{tip.pk}/accept",
        "banshi",
        {
            "summary": "龙泉村村口拦车收费",
            "target_category_id": category.pk,
            "village_id": village.pk,
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    lead = Lead.objects.get(pk=body["lead_id"])
    assert body["status"] == "accepted" and lead.summary == "龙泉村村口拦车收费"
    assert lead.target_category == category and lead.village == village
    assert _error(_post(f"/api/v1/tips/{tip.pk}/accept", "banshi"), 400)["code"] == "invalid"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"village_id": 999_999}, "village_id"),
        ({"target_category_id": 999_999}, "target_category_id"),
    ],
)
def test_an_accept_naming_what_is_not_the_towns_writes_nothing(
    tip: Tip, body: dict[str, object], field: str
) -> None:
    error = _error(_post(f"/api/v1/tips/{tip.pk}/accept", "banshi", body), 400)
    assert field in error["fields"]
    assert not Lead.objects.exists() and Tip.objects.get(pk=tip.pk).status == TipStatus.PENDING


def test_spam_and_restore(tip: Tip) -> None:
    assert (
        "reason"
        in _error(_post(f"/api/v1/tips/{tip.pk}/spam", "banshi", {"reason": ""}), 400)["fields"]
    )
    spam = _post(f"/api/v1/tips/{tip.pk}/spam", "banshi", {"reason": "重复提交"})
    assert spam.status_code == 200 and spam.json()["spam_reason"] == "重复提交"
    restored = _post(f"/api/v1/tips/{tip.pk}/restore", "banshi")
    assert restored.status_code == 200 and restored.json()["status"] == "pending"
    _error(_post(f"/api/v1/tips/{tip.pk}/restore", "banshi"), 400)


def test_a_message_to_the_reporter(tip: Tip) -> None:
    response = _post(f"/api/v1/tips/{tip.pk}/messages", "banshi", {"body": "请补充具体时间"})
    assert response.status_code == 201, response.content
    last = response.json()["conversation"][-1]
    assert last["direction"] == "to_reporter" and last["body"] == "请补充具体时间"
    assert TipMessage.objects.filter(tip=tip).count() == 2
    _error(_post(f"/api/v1/tips/{tip.pk}/messages", "banshi", {"body": ""}), 400)


def test_adding_a_person_answers_the_person(tip: Tip, village: Unit) -> None:
    response = _post(
        f"/api/v1/tips/{tip.pk}/persons", "banshi", {"name": "刘二", "village_id": village.pk}
    )
    assert response.status_code == 201, response.content
    assert response.json()["name"] == "刘二" and response.json()["village"] == "龙泉村"
    assert TipPerson.objects.filter(tip=tip).count() == 2
    _error(_post(f"/api/v1/tips/{tip.pk}/persons", "banshi", {"role": "nobody"}), 422)


# ---------------------------------------------------------------------------------------------
# The reporter


def test_no_answer_carries_the_reporter(submitted: SubmittedTip, village: Unit) -> None:
    """Every operation's answer on the real-name tip, the list as each status: no name, phone,
    ID number, address, vault reference or receipt."""
    tip = submitted.tip
    assert Tip.objects.get(pk=tip.pk).reporter_reference  # the planted identity is in the vault
    url = f"/api/v1/tips/{tip.pk}"
    answers = [
        _get("/api/v1/tips", "banshi"),
        _get("/api/v1/tips?q=欧阳", "banshi"),
        _get(url, "banshi"),
        _post(f"{url}/messages", "banshi", {"body": "收到，正在核实"}),
        _post(f"{url}/persons", "banshi", {"name": "刘二"}),
        _post(f"{url}/spam", "banshi", {"reason": "测试"}),
        _get("/api/v1/tips?status=spam", "banshi"),
        _post(f"{url}/restore", "banshi"),
        _post(f"{url}/accept", "banshi", {"village_id": village.pk}),
        _get("/api/v1/tips?status=accepted", "banshi"),
        _get(url, "shuji"),
    ]
    for response in answers:
        assert response.status_code in (200, 201), response.content
        assert _leaks(response, submitted) == [], response.content.decode()[:300]


def test_the_schema_has_no_field_for_the_reporter() -> None:
    from saohei.api.api import api

    schemas = api.get_openapi_schema()["components"]["schemas"]
    for name in ("TipSummaryOut", "TipDetailOut", "TipMessageOut", "TipPersonOut"):
        properties = set(schemas[name]["properties"])
        assert not properties & {"reporter_reference", "receipt_digest", "reporter", "receipt"}


# ---------------------------------------------------------------------------------------------
# A tip's attachment (decision 0066)


def test_the_office_downloads_an_attachment_audited_without_the_reporter(
    submitted: SubmittedTip,
) -> None:
    tip = submitted.tip
    attachment = tip.attachments.get()
    response = _get(f"/api/v1/tips/{tip.pk}/attachments/{attachment.pk}", "banshi")
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert content == attachment.file.open("rb").read()
    headers = " ".join(f"{name}: {value}" for name, value in response.headers.items())
    reporter = Tip.objects.get(pk=tip.pk)
    for secret in (*SECRETS, reporter.reporter_reference, reporter.receipt_digest):
        assert not secret or secret not in headers
    assert "attachment" in response.headers["Content-Disposition"]
    assert AuditEvent.objects.filter(
        action=AuditAction.ATTACHMENT_DOWNLOADED, target_id=str(tip.pk)
    ).exists()


@pytest.mark.parametrize(
    ("username", "status"), [("cun02", 403), ("minjing", 403), ("gdbanshi", 404), (None, 401)]
)
def test_an_attachment_is_refused_outside_intake(
    tip: Tip, other_town: Unit, username: str | None, status: int
) -> None:
    attachment = tip.attachments.get()
    _error(_get(f"/api/v1/tips/{tip.pk}/attachments/{attachment.pk}", username), status)
    assert not AuditEvent.objects.filter(action=AuditAction.ATTACHMENT_DOWNLOADED).exists()


def test_an_attachment_of_another_tip_is_not_found(tip: Tip, town: Unit) -> None:
    other = services.submit_tip(
        unit=town, data=services.TipInput(content="另一条举报，附现场照片", attachments=checked())
    ).tip
    foreign = other.attachments.get()
    _error(_get(f"/api/v1/tips/{tip.pk}/attachments/{foreign.pk}", "banshi"), 404)
