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

# The probe's variants (issue #4 item 4) and their siblings, against the planted identity
# 泄露测试甲乙丙 / 13912340000 / 371082197603159178 / 荣成市港西镇泄露测试路九号.
IDENTITY_VARIANTS = {
    "whole name": f"联系{NAME}回访",
    "name with spaces": "联系 泄露 测试 甲乙丙 回访",
    "three characters of the name": "联系测试甲回访",
    "surname and first given character": "联系泄露回访",
    "hyphenated phone": "拨打139-1234-0000回访",
    "spaced phone": f"拨打 {PHONE[:3]} {PHONE[3:7]} {PHONE[7:]}",
    "full-width phone": "拨打１３９１２３４００００",
    "phone in Chinese numerals": "拨打一三九一二三四零零零零",
    "six digits of the phone": "尾号912340",
    "seventeen of the eighteen ID digits": "证件37108219760315917",
    "ID with separators": "证件 371082-19760315-9178",
    "birth date from the ID": "出生于19760315",
    "address without the town": "前往泄露测试路九号",
    "address with an arabic number": "前往泄露测试路9号",
    "four characters of the street": "在测试路九附近",
}


def user(username: str) -> User:
    return User.objects.get(username=username)


@pytest.fixture
def reporter() -> lead_services.ReporterInput:
    return planted_reporter()


def planted_reporter() -> lead_services.ReporterInput:
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
