"""Issue 11: the lead list finds what people type — a subject's ID number (whole or its last
four), a mobile in any format, words apart in the text — and never beyond the viewer's scope."""

import io
import re
from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.test import Client

from saohei.common.models import fill_suffix_indexes
from saohei.leads import services
from saohei.leads.models import Lead, Status, Subject
from saohei.leads.queries import search
from saohei.organisations.models import Unit

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]
Register = Callable[..., Lead]
ID_NUMBER = "11010519491231002X"


def numbers(page: str) -> set[str]:
    return set(re.findall(r'<a href="/leads/\d+/">([^<]+)</a>', page))


@pytest.fixture
def leads(register: Register) -> dict[str, Lead]:
    return {
        "works": register(
            summary="村霸强揽村里的道路工程",
            subjects=[
                services.SubjectInput(name="王某强", id_number=ID_NUMBER, phone="13912345678")
            ],
        ),
        "works_again": register(summary="有人强揽沙场，又插手工程款"),
        "dock": register(summary="码头强行收费", subjects=[services.SubjectInput(name="李某")]),
    }


def found(client: Client, query: str) -> str:
    return client.get("/leads/", {"q": query}).content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (ID_NUMBER, {"works"}),
        (ID_NUMBER.lower(), {"works"}),
        ("110105491231002", {"works"}),  # the old 15-digit number of the same person
        ("002X", {"works"}),
        ("+86 139-1234-5678", {"works"}),
        ("5678", {"works"}),
        ("强揽工程", {"works", "works_again"}),
        ("强揽 工程", {"works", "works_again"}),
        ("工程 强揽", {"works", "works_again"}),
        ("强揽 沙场", {"works_again"}),
        ("王某强 道路", {"works"}),
        ("码头", {"dock"}),
        ("李某", {"dock"}),
    ],
)
def test_lead_list_finds_what_people_type(
    client_as: ClientAs, leads: dict[str, Lead], query: str, expected: set[str]
) -> None:
    page = found(client_as("banshi"), query)
    assert numbers(page) == {leads[key].number for key in expected}


def test_no_match_says_so(client_as: ClientAs, leads: dict[str, Lead]) -> None:
    page = found(client_as("banshi"), "11010519491231003X 不存在")
    assert numbers(page) == set()
    message = re.search(r'data-testid="no-results">([^<]+)<', page)
    assert message and "没有找到与“110105********003X 不存在”相符的线索" in message.group(1)


def test_village_head_searching_a_person_outside_their_leads_finds_nothing(
    client_as: ClientAs, leads: dict[str, Lead], village: Unit
) -> None:
    Lead.objects.filter(pk=leads["dock"].pk).update(handling_unit=village, status=Status.ASSIGNED)
    client = client_as("cun02")  # head of 东岛村: sees the dock lead only
    assert numbers(found(client, "码头")) == {leads["dock"].number}
    for query in (ID_NUMBER, "002X", "13912345678", "强揽工程"):
        assert numbers(found(client, query)) == set()


def test_the_query_is_kept_in_the_next_page_link(client_as: ClientAs, register: Register) -> None:
    for _ in range(51):
        register(summary="强揽工程的同一类反映")
    page = found(client_as("banshi"), "强揽 工程")
    link = re.search(r'href="\?([^"]*after=[^"]+)"', page)
    assert link and "q=%E5%BC%BA%E6%8F%BD+%E5%B7%A5%E7%A8%8B" in link.group(1)


def test_suffix_index_is_filled_for_subjects_sealed_before_it_existed(
    leads: dict[str, Lead],
) -> None:
    Subject.objects.update(id_number_suffix_index="", phone_suffix_index="")
    filled, unreadable = fill_suffix_indexes(Subject)
    assert (filled, unreadable) == (2, 0)  # one ID number, one mobile
    subject = Subject.objects.get(name="王某强")
    assert subject.id_number_suffix_index and subject.phone_suffix_index
    assert set(search(Lead.objects.all(), "002X")) == {leads["works"]}


def test_fill_suffix_indexes_command_fills_what_is_missing_and_can_run_again(
    leads: dict[str, Lead],
) -> None:
    Subject.objects.update(id_number_suffix_index="", phone_suffix_index="")
    output = io.StringIO()
    call_command("fill_suffix_indexes", stdout=output)
    assert "被反映人：补建 2 个" in output.getvalue()
    again = io.StringIO()
    call_command("fill_suffix_indexes", stdout=again)
    assert "被反映人：补建 0 个" in again.getvalue()
    assert set(search(Lead.objects.all(), "5678")) == {leads["works"]}
