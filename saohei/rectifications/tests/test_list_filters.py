"""The ledger list's filters the home page links to: overdue per village, the town's own items
(镇本级), a town for a supervisor over several; bad values explained in Chinese."""

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from saohei.organisations.models import Unit, UnitKind, User
from saohei.organisations.services import build_unit
from saohei.rectifications.models import RectificationItem, SourceKind
from saohei.rectifications.tests.conftest import OpenItem

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]


def count(page: str) -> int:
    found = re.search(r"共 (\d+) 项", page)
    assert found
    return int(found.group(1))


def late(item: RectificationItem) -> RectificationItem:
    RectificationItem.objects.filter(pk=item.pk).update(
        due_on=timezone.localdate() - timedelta(days=2)
    )
    return item


def test_list_filters_the_towns_own_items(client_as: ClientAs, open_item: OpenItem) -> None:
    late(open_item(village=None))
    late(open_item())
    open_item(village=None)
    client = client_as("banshi")
    assert count(client.get("/rectifications/", {"village": "none"}).content.decode()) == 2
    page = client.get("/rectifications/", {"village": "none", "due": "overdue"}).content.decode()
    assert count(page) == 1
    assert '<option value="none" selected>镇本级</option>' in page


def test_overdue_per_village(client_as: ClientAs, open_item: OpenItem, village: Unit) -> None:
    late(open_item())
    open_item()
    late(open_item(village=Unit.objects.get(name="北港村")))
    page = client_as("banshi").get(
        "/rectifications/", {"village": str(village.pk), "due": "overdue"}
    )
    assert count(page.content.decode()) == 1


def test_supervisor_filters_by_town(client_as: ClientAs, open_item: OpenItem) -> None:
    late(open_item())
    city = Unit.objects.get(kind=UnitKind.CITY_OFFICE)
    second = build_unit(name="港东镇", kind=UnitKind.TOWN, parent=city, code="GD")
    RectificationItem.objects.create(
        unit=second,
        source_kind=SourceKind.SUPERVISION,
        description="督导反馈问题",
        measures="整改",
        responsible_leader=User.objects.get(username="shuji"),
        responsible_unit=second,
        responsible_person=User.objects.get(username="banshi"),
        due_on=timezone.localdate() - timedelta(days=1),
        created_by=User.objects.get(username="banshi"),
    )
    client = client_as("shiban")
    assert count(client.get("/rectifications/").content.decode()) == 2
    page = client.get(
        "/rectifications/", {"town": str(second.pk), "due": "overdue"}
    ).content.decode()
    assert count(page) == 1
    # A town outside the supervisor's subtree is refused, not silently ignored.
    elsewhere = build_unit(name="外市扫黑办", kind=UnitKind.CITY_OFFICE, parent=None)
    foreign = build_unit(name="外市某镇", kind=UnitKind.TOWN, parent=elsewhere)
    refused = client.get("/rectifications/", {"town": str(foreign.pk)}).content.decode()
    assert "选择一个有效的选项" in refused
    assert count(refused) == 0


def test_a_one_town_office_has_no_town_filter(client_as: ClientAs) -> None:
    page = client_as("banshi").get("/rectifications/").content.decode()
    assert 'name="town"' not in page


@pytest.mark.parametrize(
    "params",
    [{"village": "abc"}, {"village": "999999"}, {"due": "late"}, {"status": "gone"}],
)
def test_bad_filter_values_are_explained_in_chinese(
    client_as: ClientAs, open_item: OpenItem, params: dict[str, str]
) -> None:
    open_item()
    response = client_as("banshi").get("/rectifications/", params)
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    assert count(response.content.decode()) == 0


def test_village_head_cannot_filter_another_village(
    client_as: ClientAs, open_item: OpenItem
) -> None:
    late(open_item(village=Unit.objects.get(name="北港村")))
    other = Unit.objects.get(name="北港村")
    page = client_as("cun02").get("/rectifications/", {"village": other.pk}).content.decode()
    assert "选择一个有效的选项" in page
    assert count(page) == 0
