"""The menu: grouped by the four pillars, one active link, every entry resolvable."""

import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from saohei.home.navigation import MENU, MenuEntry, MenuGroup


def _entries() -> list[MenuEntry]:
    entries: list[MenuEntry] = []
    for node in MENU:
        entries.extend(node.entries if isinstance(node, MenuGroup) else [node])
    return entries


def test_every_menu_entry_resolves() -> None:
    for entry in _entries():
        assert reverse(entry.url_name).startswith("/")


def _top_level(page: str) -> list[str]:
    nav = page.split('id="mainnav"')[1].split("</ul>\n      {% if")[0]
    return re.findall(r'class="nav-link[^"]*"[^>]*>([^<]+)</a>', nav)


@pytest.mark.django_db
def test_only_the_most_specific_entry_and_its_group_are_active(
    client_as: Callable[[str], Client],
) -> None:
    page = client_as("banshi").get("/leads/stats/").content.decode()
    active_links = re.findall(r'class="dropdown-item active"[^>]*>([^<]+)<', page)
    active_groups = re.findall(r'class="nav-link dropdown-toggle active"[^>]*>([^<]+)<', page)
    assert active_links == ["线索统计"]
    assert active_groups == ["线索摸排"]
    assert 'class="nav-link active"' not in page


@pytest.mark.django_db
def test_a_leader_sees_the_four_pillars_as_groups(client_as: Callable[[str], Client]) -> None:
    page = client_as("shuji").get("/").content.decode()
    groups = re.findall(r'data-testid="menu-group">([^<]+)<', page)
    assert groups == ["线索摸排", "组织领导", "压实责任", "研判", "简报报表"]
    # Nine top-level items at most, so the bar stays on one line at 1280px.
    assert page.count('<li class="nav-item') <= 9


@pytest.mark.django_db
def test_a_group_with_one_visible_entry_is_a_plain_link(
    client_as: Callable[[str], Client],
) -> None:
    # The custodian sees no content group; the police officer sees one entry of 组织领导 only
    # besides 领导小组, so 压实责任 (谈心谈话 alone) becomes a plain link.
    page = client_as("suozhang").get("/").content.decode()
    groups = re.findall(r'data-testid="menu-group">([^<]+)<', page)
    assert "压实责任" not in groups
    assert re.search(r'<a class="nav-link" href="/talks/"', page)


@pytest.mark.django_db
def test_the_three_admins_see_only_their_own_entries(client_as: Callable[[str], Client]) -> None:
    page = client_as("shenji").get("/audit/").content.decode()
    labels = re.findall(r'class="(?:nav-link|dropdown-item)[^"]*"[^>]*>([^<]+)<', page)
    assert labels == ["首页", "工作日历", "审计日志"]
