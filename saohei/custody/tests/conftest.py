"""Fixtures for the custody tests: the leads context's demo town and a real-name report."""

from collections.abc import Callable

import pytest

from saohei.leads import services as lead_services
from saohei.leads.models import Conclusion, Lead
from saohei.leads.tests import conftest as lead_fixtures
from saohei.leads.tests.conftest import advance
from saohei.organisations.models import User

town = lead_fixtures.town
village = lead_fixtures.village
register = lead_fixtures.register

# A distinctive identity: any trace of it outside the vault is a leak.
NAME = "泄露测试甲乙丙"
PHONE = "13912340000"
# Not the textbook 11010519491231002X: the case-import template prints that one as its example.
ID_NUMBER = "371082197603159178"
ADDRESS = "荣成市港西镇泄露测试路九号"
PLANTED = (NAME, PHONE, ID_NUMBER, ADDRESS)


def user(username: str) -> User:
    return User.objects.get(username=username)


@pytest.fixture
def reporter() -> lead_services.ReporterInput:
    return lead_services.ReporterInput(name=NAME, phone=PHONE, id_number=ID_NUMBER, address=ADDRESS)


@pytest.fixture
def real_name_lead(register: Callable[..., Lead], reporter: lead_services.ReporterInput) -> Lead:
    return register(reporter=reporter)


def conclude(lead: Lead, conclusion: str = Conclusion.CONFIRMED_PUNISHED) -> Lead:
    """Concluded 查实 by default: the only conclusions that admit a reward."""
    return advance(lead, "concluded", conclusion=conclusion)


@pytest.fixture
def concluded_lead(real_name_lead: Lead) -> Lead:
    return conclude(real_name_lead)
