"""添加被举报人: the intake handler adds a name read in a pending tip's 主要问题, pre-filled from a
识别建议; never the reporter, nothing on an accepted or spam tip, the registry sees the person."""

from collections.abc import Callable
from html import unescape
from typing import Any

import pytest
from django.test import Client

from saohei.analysis.changes import refresh_pending
from saohei.analysis.models import Appearance
from saohei.audit.models import AuditAction, AuditEvent
from saohei.common.errors import ServiceError
from saohei.common.suggestions import suggestion_query
from saohei.leads.services import ReporterInput
from saohei.organisations.models import Unit, UnitKind, User
from saohei.organisations.services import build_unit
from saohei.tips import services
from saohei.tips.models import Tip, TipPerson, TipStatus
from saohei.tips.services import PersonInput, SubmittedTip

pytestmark = pytest.mark.django_db
Submit = Callable[..., SubmittedTip]
ClientAs = Callable[[str], Client]
CONTENT = (
    "我是于长福，电话13605317792。东岛村申屠亮在码头强收卸货费，他电话13963107821，开鲁K·5R321。"
)


@pytest.fixture
def tip(submit: Submit) -> Tip:
    reporter = ReporterInput(name="于长福", phone="13605317792")
    return submit(content=CONTENT, reporter=reporter).tip


def _url(tip: Tip, **query: Any) -> str:
    return f"/tips/{tip.pk}/persons/add/" + (f"?{suggestion_query(**query)}" if query else "")


def _span(text: str) -> dict[str, Any]:
    start = CONTENT.index(text)
    return {"source": "content", "start": start, "end": start + len(text)}


def _suggestion_links(client: Client, tip: Tip) -> tuple[str, list[str]]:
    page = unescape(client.get(f"/analysis/tips/{tip.pk}/suggestions/").content.decode())
    table = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return table, [part.split('"', 1)[0] for part in table.split('href="')[1:]]


@pytest.mark.parametrize("username", ["banshi", "shuji"])
def test_the_handler_gets_the_form_prefilled_from_the_content(
    client_as: ClientAs, tip: Tip, username: str
) -> None:
    response = client_as(username).get(_url(tip, field="name", **_span("申屠亮")))
    assert response.status_code == 200
    assert 'value="申屠亮"' in response.content.decode()


def test_the_handler_adds_a_person_audited_without_the_name_and_seen_by_the_registry(
    client_as: ClientAs, tip: Tip
) -> None:
    response = client_as("banshi").post(_url(tip), {"name": "申屠亮", "role": "reported"})
    assert response.status_code == 302 and response["Location"] == f"/tips/{tip.pk}/"
    person = TipPerson.objects.get(tip=tip, name="申屠亮")
    event = AuditEvent.objects.get(action=AuditAction.TIP_PERSON_ADDED)
    assert event.details == {"person_id": person.pk, "role": "reported"}
    refresh_pending()
    appearance = Appearance.objects.get(incident_kind="tip", source_id=person.pk)
    assert appearance.name == "申屠亮" and appearance.person is not None
    # 受理 then makes the added person a subject of the lead.
    lead = services.accept_tip(actor=User.objects.get(username="banshi"), tip=tip)
    assert list(lead.subjects.values_list("name", flat=True)) == ["申屠亮"]


def test_naming_an_official_puts_the_tip_with_the_leaders(client_as: ClientAs, tip: Tip) -> None:
    response = client_as("banshi").post(_url(tip), {"name": "王建设", "role": "official"})
    assert response.status_code == 302 and response["Location"] == "/tips/"
    tip.refresh_from_db()
    assert tip.concerns_officials
    assert client_as("banshi").get(f"/tips/{tip.pk}/").status_code == 404
    assert client_as("shuji").get(f"/tips/{tip.pk}/").status_code == 200


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "", "alias": ""}, "name", "姓名或绰号"),
        ({"name": "长" * 51}, "name", "50"),
        ({"name": "申屠亮", "alias": "绰" * 51}, "alias", "50"),
        ({"name": "申屠亮", "role": "boss"}, "role", "选择"),
        ({"name": "申屠\x00亮"}, "name", "空字符"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_writes_nothing(
    client_as: ClientAs, tip: Tip, data: dict[str, str], field: str, message: str
) -> None:
    response = client_as("banshi").post(_url(tip), {"role": "reported", **data})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field])
    assert not tip.persons.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.TIP_PERSON_ADDED).exists()


def test_a_village_of_another_town_is_refused(client_as: ClientAs, tip: Tip) -> None:
    other = build_unit(
        name="柳林镇", kind=UnitKind.TOWN, parent=Unit.objects.get(name="荣成市扫黑办"), code="LL"
    )
    village = build_unit(name="柳林村", kind=UnitKind.VILLAGE, parent=other)
    with pytest.raises(ServiceError, match="不在该镇"):
        services.add_tip_person(
            actor=User.objects.get(username="banshi"),
            tip=tip,
            person=PersonInput(name="申屠亮", village=village),
        )
    assert not tip.persons.exists()


@pytest.mark.parametrize("status", [TipStatus.ACCEPTED, TipStatus.SPAM])
def test_an_accepted_or_spam_tip_refuses(client_as: ClientAs, tip: Tip, status: str) -> None:
    banshi = User.objects.get(username="banshi")
    if status == TipStatus.ACCEPTED:
        services.accept_tip(actor=banshi, tip=tip)
    else:
        services.mark_spam(actor=banshi, tip=tip, reason="广告信息")
    client = client_as("banshi")
    assert client.get(_url(tip)).status_code == 302
    response = client.post(_url(tip), {"name": "申屠亮", "role": "reported"})
    assert response.status_code == 302 and response["Location"] == f"/tips/{tip.pk}/"
    with pytest.raises(ServiceError, match="不能再添加"):
        services.add_tip_person(actor=banshi, tip=tip, person=PersonInput(name="申屠亮"))
    assert not tip.persons.exists()
    assert "persons/add" not in client.get(f"/tips/{tip.pk}/").content.decode()


@pytest.mark.parametrize(
    "username", ["cun01", "minjing", "suozhang", "shiban", "baoguan", "xitong", "shenji"]
)
def test_other_roles_are_refused(client_as: ClientAs, tip: Tip, username: str) -> None:
    client = client_as(username)
    assert client.get(_url(tip)).status_code == 403
    assert client.post(_url(tip), {"name": "申屠亮", "role": "reported"}).status_code == 403
    assert not tip.persons.exists()


def test_another_towns_tip_is_404(client_as: ClientAs, town: Unit) -> None:
    other = build_unit(
        name="柳林镇", kind=UnitKind.TOWN, parent=Unit.objects.get(name="荣成市扫黑办"), code="LL"
    )
    elsewhere = services.submit_tip(unit=other, data=services.TipInput(content=CONTENT)).tip
    client = client_as("banshi")
    assert client.get(_url(elsewhere)).status_code == 404
    assert client.post(_url(elsewhere), {"name": "申屠亮", "role": "reported"}).status_code == 404
    assert not elsewhere.persons.exists()


def test_anonymous_visitor_is_sent_to_sign_in(tip: Tip) -> None:
    response = Client().get(_url(tip))
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_pending_tips_suggestions_link_names_but_never_the_reporter(
    client_as: ClientAs, tip: Tip
) -> None:
    table, links = _suggestion_links(client_as("banshi"), tip)
    assert "申屠亮" in table and "13963107821" in table
    assert "于长福" not in table and "13605317792" not in table
    assert links and all(f"/tips/{tip.pk}/persons/add/?field=name" in link for link in links)
    assert not any("申屠" in link or "139" in link for link in links)
    # Identifiers wait for the lead.
    assert "受理后可在线索中加入" in table
    # Even a link forged with the reporter's offsets fills only from the tip's own text, and
    # the suggestions page never offers it.
    assert not any(f"start={CONTENT.index('于长福')}&" in link for link in links)


def test_an_accepted_tips_suggestions_lead_to_the_leads_own(client_as: ClientAs, tip: Tip) -> None:
    lead = services.accept_tip(actor=User.objects.get(username="banshi"), tip=tip)
    client = client_as("banshi")
    table, links = _suggestion_links(client, tip)
    assert links and set(links) == {f"/analysis/leads/{lead.pk}/suggestions/"}
    assert "受理后" not in table
    lead_page = unescape(client.get(links[0]).content.decode())
    assert "13963107821" in lead_page and "于长福" not in lead_page.split("<tbody>", 1)[1]
    assert "subjects/add" in lead_page
