"""The 待办 on the home page: each person's waiting work, within what they may open (issue 11)."""

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from saohei.home.waiting import waiting_for
from saohei.leads import services as lead_services
from saohei.leads.models import Channel, Lead, Satisfaction, Source
from saohei.leads.tests.conftest import advance
from saohei.organisations.models import Unit, User

ClientAs = Callable[[str], Client]


def user(username: str) -> User:
    return User.objects.get(username=username)


def register(actor: str = "banshi", **overrides: object) -> Lead:
    values: dict[str, object] = {
        "received_at": timezone.now(),
        "channel": Channel.PHONE,
        "source": Source.PUBLIC_REPORT,
        "summary": "有人在码头强行收取渔船停靠费",
    }
    values.update(overrides)
    return lead_services.register_lead(
        actor=user(actor),
        unit=Unit.objects.get(name="港西镇"),
        data=lead_services.LeadInput(**values),  # type: ignore[arg-type]
    )


def concluded_real_name_lead() -> Lead:
    reporter = lead_services.ReporterInput(
        name="测试实名人", phone="13900001111", id_number="", address=""
    )
    return advance(register(reporter=reporter), "concluded")


def counts(username: str) -> dict[str, int]:
    return {kind.label: kind.count for kind in waiting_for(user(username))}


@pytest.mark.usefixtures("demo")
def test_office_staff_never_sees_a_lead_about_an_official_waiting() -> None:
    ordinary = register()
    # Registered by a leader: the clerk who registers one keeps it until 研判 (leads.access).
    register("shuji", involves_official=True)

    staff = waiting_for(user("banshi"))
    leader = counts("shuji")

    triage = next(kind for kind in staff if kind.label == "待研判线索")
    assert triage.count == 1 and ordinary.number in triage.items[0].title
    assert leader["待研判线索"] == 2


@pytest.mark.usefixtures("demo")
def test_custodian_sees_only_the_follow_up_of_the_vault() -> None:
    lead = concluded_real_name_lead()

    custodian = waiting_for(user("baoguan"))

    assert [kind.label for kind in custodian] == ["待回访（保管员）"]
    assert custodian[0].items[0].url == f"/vault/leads/{lead.pk}/"
    assert custodian[0].items[0].title == f"线索 {lead.number}"


@pytest.mark.usefixtures("demo")
def test_followed_up_lead_no_longer_waits() -> None:
    lead = concluded_real_name_lead()
    lead_services.record_follow_up(
        actor=user("baoguan"),
        lead=lead,
        data=lead_services.FollowUpInput(
            contacted_on=timezone.localdate(),
            method="电话",
            satisfaction=Satisfaction.SATISFIED,
        ),
    )

    assert waiting_for(user("baoguan")) == []


def test_home_page_says_when_nothing_waits(client_as: ClientAs) -> None:
    page = client_as("shuji").get("/").content.decode()

    assert "暂无等待您处理的事项" in page


@pytest.mark.usefixtures("demo")
def test_waiting_list_queries_do_not_grow_with_the_items() -> None:
    village = Unit.objects.get(name="柳树庄村")
    advance(register(), "proposed", village=village)
    register()
    with CaptureQueriesContext(connection) as few:
        kinds = waiting_for(user("shuji"))
    assert {kind.label: kind.count for kind in kinds}["待审核办结"] == 1
    for _ in range(6):
        advance(register(), "proposed", village=village)
        register()
    with CaptureQueriesContext(connection) as many:
        kinds = waiting_for(user("shuji"))

    assert {kind.label: kind.count for kind in kinds}["待审核办结"] == 7
    assert len(many) == len(few)


@pytest.mark.usefixtures("demo")
def test_police_officer_is_told_of_a_lead_shared_with_the_station_until_it_answers() -> None:
    station = Unit.objects.get(name="港西派出所")
    village = Unit.objects.get(name="柳树庄村")
    shared, not_shared = register(), register()
    for lead in (shared, not_shared):
        lead_services.assign_lead(
            actor=user("banshi"),
            lead=lead,
            handling_unit=village,
            handler=user("cun14"),
            police_unit=station if lead is shared else None,
        )

    assist = next(kind for kind in waiting_for(user("minjing")) if kind.label == "待协查线索")
    assert assist.count == 1 and shared.number in assist.items[0].title
    assert "待协查线索" not in counts("cun14")  # the village works it; the station assists

    lead_services.record_police_feedback(
        actor=user("minjing"), lead=shared, content="经查辖区内近期无相关警情"
    )
    assert "待协查线索" not in counts("minjing")


@pytest.mark.usefixtures("demo")
def test_a_station_entry_in_the_investigation_answers_the_assist_request() -> None:
    shared = register()
    lead_services.assign_lead(
        actor=user("banshi"),
        lead=shared,
        handling_unit=Unit.objects.get(name="港西镇"),
        handler=user("banshi"),
        police_unit=Unit.objects.get(name="港西派出所"),
    )
    lead_services.record_investigation(
        actor=user("banshi"), lead=shared, occurred_on=timezone.localdate(), content="走访五户"
    )
    assert counts("minjing").get("待协查线索") == 1  # the office's own entry answers nothing
    lead_services.record_investigation(
        actor=user("suozhang"),
        lead=shared,
        occurred_on=timezone.localdate(),
        content="调取警情记录",
    )
    assert "待协查线索" not in counts("minjing")
