import io

import pytest
from django.apps import apps
from django.core.management import call_command

from saohei.audit.queries import verify_chain
from saohei.common.roles import Role
from saohei.organisations.models import Unit, UnitKind, User

pytestmark = pytest.mark.django_db


def _snapshot() -> dict[str, list[tuple[object, ...]]]:
    """Every row of every project table, so a second run can be compared field by field."""
    snapshot = {}
    for model in apps.get_models():
        if model._meta.app_label in {"organisations", "accounts", "audit", "api", "otp_totp"}:
            snapshot[model._meta.label] = list(model._default_manager.order_by("pk").values_list())
    return snapshot


def test_second_run_changes_nothing() -> None:
    call_command("load_demo", stdout=io.StringIO())
    first = _snapshot()
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert _snapshot() == first
    assert "未作改动" in out.getvalue()
    assert verify_chain().is_intact


def test_demo_town_has_the_seeds_shape() -> None:
    call_command("load_demo", stdout=io.StringIO())
    town = Unit.objects.get(name="港西镇")
    assert town.parent is not None and town.parent.name == "荣成市扫黑办"
    assert (
        Unit.objects.filter(parent=town, kind__in=[UnitKind.VILLAGE, UnitKind.COMMUNITY]).count()
        == 21
    )
    assert Unit.objects.filter(
        parent=town, kind=UnitKind.POLICE_STATION, name="港西派出所"
    ).exists()
    heads = User.objects.filter(role_grants__role=Role.VILLAGE_HEAD, role_grants__unit__parent=town)
    assert sorted(heads.values_list("username", flat=True)) == [f"cun{n:02d}" for n in range(1, 22)]
    for username in [
        "shuji",
        "zhenzhang",
        "fushuji",
        "jiaodaoyuan",
        "suozhang",
        "minjing",
        "banshi",
        "baoguan",
        "shiban",
        "xitong",
        "anquan",
        "shenji",
    ]:
        account = User.objects.get(username=username)
        assert account.check_password("Saohei@2026")
        assert not account.must_change_password


def test_command_prints_the_totp_secrets() -> None:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    for username in ("xitong", "anquan", "shenji", "baoguan"):
        assert f"{username}: 密钥 " in out.getvalue()


def test_load_demo_if_empty_skips_a_used_database() -> None:
    call_command("load_demo_if_empty", stdout=io.StringIO())
    assert Unit.objects.count() > 20
    out = io.StringIO()
    call_command("load_demo_if_empty", stdout=out)
    assert "跳过" in out.getvalue()


def test_demo_lead_history_matches_the_seed() -> None:
    from saohei.leads.models import Lead, Source, Status

    call_command("load_demo", stdout=io.StringIO())
    assigned = Lead.objects.filter(source=Source.UPPER_ASSIGNED)
    assert assigned.count() == 10
    assert set(assigned.values_list("conclusion", flat=True)) == {"excluded"}
    assert all(lead.signed_off_by_id and lead.fed_back_at for lead in assigned)
    tip = Lead.objects.get(source=Source.PUBLIC_REPORT)
    assert tip.conclusion == "excluded"
    assert tip.police_unit is not None and tip.police_unit.name == "港西派出所"
    open_leads = Lead.objects.filter(status__in=[Status.REGISTERED, Status.ASSIGNED])
    assert open_leads.filter(unit__name="港西镇").count() == 3


def test_seed_years_statistics_count_every_lead_as_concluded_then() -> None:
    from datetime import date

    from saohei.leads.access import visible_leads
    from saohei.leads.stats import get_lead_statistics

    call_command("load_demo", stdout=io.StringIO())
    town = Unit.objects.get(name="港西镇")
    listable = visible_leads(User.objects.get(username="shuji"))
    in_2019 = get_lead_statistics(
        towns=[town], date_from=date(2019, 1, 1), date_to=date(2019, 12, 31), listable=listable
    ).total
    assert (in_2019.received, in_2019.closed, in_2019.overdue, in_2019.open) == (10, 10, 0, 0)
    assert in_2019.clearance_rate == "100.0%"
    in_2020 = get_lead_statistics(
        towns=[town], date_from=date(2020, 1, 1), date_to=date(2020, 12, 31), listable=listable
    ).total
    assert (in_2020.received, in_2020.closed, in_2020.overdue) == (1, 1, 0)


def test_seed_leads_timeline_stays_in_the_years_they_were_worked() -> None:
    from saohei.audit.models import AuditEvent
    from saohei.leads.models import Lead, LeadEvent, Source

    call_command("load_demo", stdout=io.StringIO())
    for lead in Lead.objects.filter(source__in=[Source.UPPER_ASSIGNED, Source.PUBLIC_REPORT]):
        optional_steps = [
            lead.received_at,
            lead.assigned_at,
            lead.proposed_at,
            lead.signed_off_at,
            lead.archived_at,
            lead.concluded_at,
        ]
        steps = [moment for moment in optional_steps if moment is not None]
        assert len(steps) == len(optional_steps), lead.number
        timeline = list(LeadEvent.objects.filter(lead=lead).values_list("occurred_at", flat=True))
        for moment in [*steps, *timeline]:
            assert moment.year in (2019, 2020), lead.number
        # received → assigned → proposed → signed off → archived, in that order.
        assert steps[:5] == sorted(steps[:5]), lead.number
    # Audit events record when the demo was really loaded; the chain is not rewritten.
    assert not AuditEvent.objects.filter(occurred_at__year__lt=2021).exists()
