"""Issue 11: the case list searches persons the way the lead list does (common.search)."""

import re
from collections.abc import Callable

import pytest
from django.test import Client

from saohei.cases.models import Case

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]


def numbers(client: Client, query: str) -> set[str]:
    page = client.get("/cases/", {"q": query}).content.decode()
    return set(re.findall(r">([AL]-\d{3})<", page))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("11010519491231002X", {"A-001"}),
        ("002x", {"A-001"}),
        ("139 1234 5678", {"A-001"}),
        ("5678", {"A-001"}),
        ("李某", {"A-001"}),
        ("故意伤害", {"A-002"}),
        ("砸坏 寻衅", {"A-001"}),  # summary and cause, apart, any order
        ("寻衅 伤害", set()),
    ],
)
def test_case_list_finds_persons_by_id_number_mobile_or_ending(
    client_as: ClientAs, imported: list[Case], query: str, expected: set[str]
) -> None:
    assert numbers(client_as("banshi"), query) == expected


def test_searching_another_towns_person_finds_nothing(
    client_as: ClientAs, imported: list[Case], other_towns_case: Case
) -> None:
    other = other_towns_case.persons.create(name="柳某", role="participant")
    other.seal_id_number("11010519491231002X")
    other.save()
    assert numbers(client_as("banshi"), "11010519491231002X") == {"A-001"}
    assert numbers(client_as("banshi"), "柳某") == set()
