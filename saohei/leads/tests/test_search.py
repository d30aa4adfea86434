from collections.abc import Callable

import pytest

from saohei.leads import services
from saohei.leads.models import Lead
from saohei.leads.queries import search

pytestmark = pytest.mark.django_db
Register = Callable[..., Lead]


@pytest.fixture
def leads(register: Register) -> dict[str, Lead]:
    return {
        "dock": register(
            summary="东岛村码头有人强行收取渔船停靠费", narrative="多名渔民反映，每船每月三百元"
        ),
        "loan": register(summary="海埠村高利放贷", narrative="借款人被上门滋扰，门窗被砸"),
        "named": register(
            summary="无关内容", subjects=[services.SubjectInput(name="欧阳建国", alias="大刀")]
        ),
    }


def _found(leads: dict[str, Lead], term: str) -> set[str]:
    ids = set(search(Lead.objects.all(), term).values_list("pk", flat=True))
    return {key for key, lead in leads.items() if lead.pk in ids}


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("码头有人", {"dock"}),  # 4 characters: trigram index
        ("门窗被砸", {"loan"}),  # narrative
        ("停靠", {"dock"}),  # 2 characters: falls back to a scan, still found
        ("砸", {"loan"}),  # 1 character
        ("欧阳建", {"named"}),  # subject name
        ("大刀", {"named"}),  # alias
        ("不存在的内容", set()),
        ('引号"内', set()),  # quotes cannot break the FTS query
    ],
)
def test_search_finds_substrings_of_any_length(
    leads: dict[str, Lead], term: str, expected: set[str]
) -> None:
    assert _found(leads, term) == expected


def test_search_by_number(leads: dict[str, Lead]) -> None:
    number = leads["loan"].number
    assert _found(leads, number.lower()) == {"loan"}


def test_edited_summary_is_found_by_its_new_text(leads: dict[str, Lead]) -> None:
    Lead.objects.filter(pk=leads["dock"].pk).update(summary="改为反映沙场问题")
    assert _found(leads, "沙场问题") == {"dock"}
    assert _found(leads, "码头有人") == set()
