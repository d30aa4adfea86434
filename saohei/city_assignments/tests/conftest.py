from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from saohei.city_assignments import services
from saohei.city_assignments.models import CityAssignment
from saohei.common.roles import Role
from saohei.demo.town import DEMO_PASSWORD
from saohei.leads import services as lead_services
from saohei.leads.models import Lead, Source
from saohei.organisations.models import RoleGrant, Unit, UnitKind, User
from saohei.organisations.services import build_unit


def make_account(username: str, real_name: str, unit: Unit, role: Role) -> User:
    """An account that signs in like the demo's: demo password, no forced change."""
    account = User(username=username, real_name=real_name, unit=unit)
    account.set_password(DEMO_PASSWORD)
    account.must_change_password = False
    account.password_changed_at = timezone.now()
    account.save()
    RoleGrant.objects.create(user=account, role=role, unit=unit)
    return account


@pytest.fixture
def city(demo: None) -> Unit:
    return Unit.objects.get(name="荣成市扫黑办")


@pytest.fixture
def town(demo: None) -> Unit:
    return Unit.objects.get(name="港西镇")


@pytest.fixture
def other_town(city: Unit) -> Unit:
    """柳林镇 beside 港西镇 under the same city, with its clerk llbanshi and leader llshuji."""
    town = build_unit(name="柳林镇", kind=UnitKind.TOWN, parent=city, code="LL", sort_order=11)
    make_account("llbanshi", "柳林镇办事员", town, Role.OFFICE_STAFF)
    make_account("llshuji", "柳林镇书记", town, Role.LEADER)
    return town


@pytest.fixture
def other_city(demo: None) -> Unit:
    """Another city with its own town and supervisor wdshiban: it reaches nothing of 荣成."""
    city = build_unit(name="文登区扫黑办", kind=UnitKind.CITY_OFFICE, parent=None, code="WD")
    build_unit(name="文登营镇", kind=UnitKind.TOWN, parent=city, code="WDY")
    make_account("wdshiban", "文登督导", city, Role.SUPERVISOR)
    return city


@pytest.fixture
def second_supervisor(city: Unit) -> User:
    """Another supervisor of 荣成市扫黑办, who did not assign the leads in these tests."""
    return make_account("shiban2", "钱督导", city, Role.SUPERVISOR)


def assign(city: Unit, towns: list[Unit], **overrides: Any) -> CityAssignment:
    values: dict[str, Any] = {
        "towns": towns,
        "deadline": timezone.localdate() + timedelta(days=15),
        "instruction": "请认真核查，按期反馈",
        "summary": "反映某村有人以承包为名强占集体滩涂，威胁村民",
        "source": Source.UPPER_ASSIGNED,
    }
    values.update(overrides)
    actor = values.pop("actor", None) or User.objects.get(username="shiban")
    return services.assign_to_towns(actor=actor, city=city, data=services.AssignmentInput(**values))


@pytest.fixture
def assigned(city: Unit, town: Unit) -> Callable[..., CityAssignment]:
    return lambda **overrides: assign(city, overrides.pop("towns", [town]), **overrides)


def conclude_and_feed_back(lead: Lead, *, content: str = "经走访核实，反映问题部分属实") -> None:
    """The town's side, through the leads services: 交办 to the office, 核查, 拟办结, 审核,
    反馈上级. A lead about an official is worked by the leaders."""
    lead.refresh_from_db()
    office = lead.unit.name == "港西镇"
    clerk = User.objects.get(username="banshi" if office else "llbanshi")
    leader = User.objects.get(username="shuji" if office else "llshuji")
    worker = leader if lead.involves_official else clerk
    signer = User.objects.get(username="fushuji") if worker == leader else leader
    if lead.status == "registered":
        lead_services.assign_lead(actor=worker, lead=lead, handling_unit=lead.unit, handler=worker)
    lead_services.record_investigation(
        actor=worker, lead=lead, occurred_on=timezone.localdate(), content="走访群众八户"
    )
    lead_services.propose_conclusion(
        actor=worker,
        lead=lead,
        conclusion="partly_confirmed",
        basis="经走访核实，部分属实，已责令整改",
    )
    lead_services.sign_off(actor=signer, lead=lead, approve=True)
    lead_services.record_feedback(
        actor=worker,
        lead=lead,
        fed_back_on=timezone.localdate(),
        recipient="荣成市扫黑办",
        content=content,
    )
    lead.refresh_from_db()
