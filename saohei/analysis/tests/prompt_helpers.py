"""Planted groups for the 研判提示 tests: people with ID numbers, so cases link through them."""

from datetime import date, timedelta

from saohei.analysis.tests.registry_helpers import P, id_number
from saohei.cases.models import Nature

DAY0 = date(2023, 3, 1)


def member(serial: int, name: str, role: str = "participant") -> P:
    return P(name, role=role, id_number=id_number(serial))


def gatherer(serial: int = 1, name: str = "张大虎") -> P:
    return member(serial, name, "gatherer")


def crew() -> list[P]:
    """A gatherer and two participants, the smallest 恶势力 the defaults allow."""
    return [gatherer(), member(2, "李二狗"), member(3, "王三")]


def days(n: int) -> date:
    return DAY0 + timedelta(days=n)


CRIMINAL, PUBLIC = Nature.CRIMINAL, Nature.PUBLIC_SECURITY
