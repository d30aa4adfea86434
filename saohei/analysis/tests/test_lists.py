"""重点人员 and 同案人员: the ranking and the pairs on registry fixtures, their filters, who may
see what, and the ledgers as Excel opens them."""

import io
from collections.abc import Callable
from datetime import date, timedelta

import openpyxl
import pytest
from django.test import Client
from django.utils import timezone

from saohei.analysis.changes import refresh_pending
from saohei.analysis.lists import (
    ListFilters,
    Pair,
    decode_rank_cursor,
    default_window,
    find_co_offenders,
    rank_key_persons,
)
from saohei.analysis.tests.registry_helpers import P, id_number, make_case
from saohei.audit.models import AuditAction, AuditEvent
from saohei.cases.models import Case, Nature
from saohei.organisations.models import Unit, UnitKind, User
from saohei.organisations.services import build_unit

pytestmark = pytest.mark.django_db
ClientAs = Callable[[str], Client]


@pytest.fixture
def villages(town: Unit) -> list[Unit]:
    return list(Unit.objects.filter(parent=town, kind="village").order_by("sort_order")[:2])


@pytest.fixture
def other_town(demo: None) -> Unit:
    town = build_unit(
        name="柳林镇", kind=UnitKind.TOWN, parent=Unit.objects.get(name="荣成市扫黑办"), code="LL"
    )
    build_unit(name="柳林村", kind=UnitKind.VILLAGE, parent=town)
    return town


def days_ago(days: int) -> date:
    return timezone.localdate() - timedelta(days=days)


# Three people with ID numbers: 王 leads, 李 and 赵 follow; 孙 is only ever the victim.
WANG = P("王大虎", id_number=id_number(11))
LI = P("李二", id_number=id_number(12))
ZHAO = P("赵三", id_number=id_number(13))
SUN = P("孙被害", role="victim", id_number=id_number(14))
QIAN = P("钱证人", role="witness", id_number=id_number(15))


def leader(person: P) -> P:
    return P(person.name, role="gatherer", id_number=person.id_number)


@pytest.fixture
def history(town: Unit, villages: list[Unit]) -> dict[str, Case]:
    east, west = villages
    cases = {
        "first": make_case(
            town,
            leader(WANG),
            LI,
            SUN,
            QIAN,
            on=days_ago(100),
            village=east,
            nature=Nature.CRIMINAL,
        ),
        "second": make_case(
            town, WANG, LI, ZHAO, SUN, on=days_ago(200), village=east, nature=Nature.PUBLIC_SECURITY
        ),
        "third": make_case(
            town,
            WANG,
            ZHAO,
            SUN,
            QIAN,
            on=days_ago(300),
            village=west,
            nature=Nature.PUBLIC_SECURITY,
        ),
        "old": make_case(town, WANG, LI, on=days_ago(5 * 365), village=east),
    }
    Case.objects.filter(pk=cases["third"].pk).update(cause="敲诈勒索")
    refresh_pending()
    return cases


def banshi() -> User:
    return User.objects.get(username="banshi")


def window(**kwargs: object) -> ListFilters:
    start, end = default_window(timezone.localdate())
    return ListFilters(date_from=start, date_to=end, **kwargs)  # type: ignore[arg-type]


def ranking(filters: ListFilters, user: User | None = None) -> list[tuple[str, int, int, int]]:
    page = rank_key_persons(user or banshi(), filters)
    return [(row.person.name, row.incidents, row.criminal, row.as_ringleader) for row in page.rows]


def test_persons_are_ranked_by_incidents_as_perpetrator_in_the_window(history: dict) -> None:
    # The case five years ago is outside the default three years; victims and witnesses never count.
    assert ranking(window()) == [("王大虎", 3, 1, 1), ("李二", 2, 1, 0), ("赵三", 2, 0, 0)]
    row = rank_key_persons(banshi(), window()).rows[0]
    assert row.first_on == days_ago(300) and row.last_on == days_ago(100)
    assert row.person.id_number_masked and "*" in row.person.id_number_masked
    assert row.person.url == f"/analysis/persons/{row.person.person_id}/"
    assert row.person.chart_url == f"/analysis/chart/person/{row.person.person_id}/"


def test_a_wider_window_reaches_the_older_case(history: dict) -> None:
    wide = ListFilters(date_from=days_ago(6 * 365), date_to=timezone.localdate())
    assert ranking(wide)[:2] == [("王大虎", 4, 2, 1), ("李二", 3, 2, 0)]
    narrow = ListFilters(date_from=days_ago(150), date_to=timezone.localdate())
    assert sorted(ranking(narrow)) == [("李二", 1, 1, 0), ("王大虎", 1, 1, 1)]


def test_village_nature_and_cause_filter_the_ranking(history: dict, villages: list[Unit]) -> None:
    east, west = villages
    # Equal ranks are in person order, which says nothing about names: compared as sets.
    assert sorted(ranking(window(village_id=west.pk))) == [("王大虎", 1, 0, 0), ("赵三", 1, 0, 0)]
    assert sorted(ranking(window(nature=Nature.CRIMINAL))) == [
        ("李二", 1, 1, 0),
        ("王大虎", 1, 1, 1),
    ]
    assert sorted(ranking(window(offence="敲诈"))) == [("王大虎", 1, 0, 0), ("赵三", 1, 0, 0)]
    assert ranking(window(village_id=east.pk, offence="敲诈")) == []


def test_pages_follow_one_another_both_ways(history: dict) -> None:
    first = rank_key_persons(banshi(), window(), size=1)
    assert [row.person.name for row in first.rows] == ["王大虎"] and not first.previous_cursor
    second = rank_key_persons(banshi(), window(), after=first.next_cursor, size=1)
    third = rank_key_persons(banshi(), window(), after=second.next_cursor, size=1)
    assert [row.person.name for row in second.rows + third.rows] == ["李二", "赵三"]
    assert not third.next_cursor
    back = rank_key_persons(banshi(), window(), before=third.previous_cursor, size=1)
    assert [row.person.name for row in back.rows] == ["李二"]
    assert decode_rank_cursor("not-a-cursor") is None
    assert rank_key_persons(banshi(), window(), after="%%%").rows[0].person.name == "王大虎"


def names(pair: Pair) -> frozenset[str]:
    return frozenset({pair.first.name, pair.second.name})


def test_pairs_together_in_two_incidents_and_the_group_they_form(history: dict) -> None:
    found = find_co_offenders(banshi(), window())
    pairs = {names(p): (p.together, p.criminal) for p in found.pairs}
    # Victims and witnesses were in the same cases and are in no pair.
    assert pairs == {frozenset({"王大虎", "李二"}): (2, 1), frozenset({"王大虎", "赵三"}): (2, 0)}
    wang_li = next(p for p in found.pairs if names(p) == {"王大虎", "李二"})
    assert [incident.incident_id for incident in wang_li.incidents] == [
        history["second"].pk,
        history["first"].pk,
    ]
    assert wang_li.incidents[0].label == f"案件 {history['second'].number}"
    assert wang_li.incidents[0].url == f"/cases/{history['second'].pk}/"
    [group] = found.groups
    assert sorted(person.name for person in group.members) == ["李二", "王大虎", "赵三"]
    assert (group.incidents, group.criminal) == (3, 1)


def test_the_pair_threshold_is_the_viewers(history: dict) -> None:
    assert find_co_offenders(banshi(), window(min_together=3)).pairs == []
    wide = ListFilters(date_from=days_ago(6 * 365), date_to=timezone.localdate(), min_together=3)
    [pair] = find_co_offenders(banshi(), wide).pairs
    assert names(pair) == {"王大虎", "李二"} and pair.together == 3


def test_another_towns_cases_count_only_for_those_who_see_them(
    history: dict, other_town: Unit, client_as: ClientAs
) -> None:
    # 王 and 李 offend in 柳林镇 too, under other names: 港西镇 sees neither the case nor the names.
    make_case(
        other_town,
        P("王老虎", id_number=WANG.id_number),
        P("李老二", id_number=LI.id_number),
        on=days_ago(50),
        village=Unit.objects.get(name="柳林村"),
    )
    refresh_pending()
    assert ranking(window())[0] == ("王大虎", 3, 1, 1)
    page = client_as("banshi").get("/analysis/co-offenders/").content.decode()
    assert "王老虎" not in page and "柳林" not in page


@pytest.mark.parametrize("username", ["banshi", "shuji", "minjing"])
def test_office_and_police_see_the_lists(history: dict, client_as: ClientAs, username: str) -> None:
    client = client_as(username)
    page = client.get("/analysis/key-persons/").content.decode()
    assert page.index("王大虎") < page.index("李二") < page.index("赵三")
    assert "孙被害" not in page and "钱证人" not in page
    assert "/analysis/chart/person/" in page
    assert "王大虎" in client.get("/analysis/co-offenders/").content.decode()


@pytest.mark.parametrize("username", ["cun01", "shiban", "baoguan", "xitong", "anquan", "shenji"])
@pytest.mark.parametrize(
    "url",
    [
        "/analysis/key-persons/",
        "/analysis/key-persons/export.xlsx",
        "/analysis/co-offenders/",
        "/analysis/co-offenders/export.xlsx",
    ],
)
def test_other_roles_get_403(history: dict, client_as: ClientAs, username: str, url: str) -> None:
    assert client_as(username).get(url).status_code == 403
    assert not AuditEvent.objects.filter(
        action__in=[AuditAction.KEY_PERSONS_EXPORTED, AuditAction.CO_OFFENDERS_EXPORTED]
    ).exists()


@pytest.mark.parametrize("url", ["/analysis/key-persons/", "/analysis/co-offenders/export.xlsx"])
def test_anonymous_visitors_are_sent_to_sign_in(demo: None, url: str) -> None:
    response = Client().get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_window_ending_before_it_starts_is_refused_in_chinese(
    history: dict, client_as: ClientAs
) -> None:
    client = client_as("banshi")
    query = f"?date_from={days_ago(10)}&date_to={days_ago(20)}&min_together=1"
    response = client.get(f"/analysis/co-offenders/{query}")
    page = response.content.decode()
    assert response.status_code == 200
    assert "起始日期不能晚于截止日期" in page and "王大虎" not in page
    assert "2" in page  # the threshold's minimum is stated beside the field
    export = client.get(f"/analysis/co-offenders/export.xlsx{query}")
    assert export.status_code == 200 and "起始日期不能晚于截止日期" in export.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.CO_OFFENDERS_EXPORTED).exists()
    garbage = client.get("/analysis/key-persons/?date_from=x&town=999999999999&after=@@")
    assert garbage.status_code == 200


def _workbook(response: object) -> openpyxl.Workbook:
    content = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return openpyxl.load_workbook(io.BytesIO(content))


def test_the_key_persons_ledger_opens_in_excel_stamped_masked_and_audited(
    history: dict, client_as: ClientAs, villages: list[Unit]
) -> None:
    response = client_as("banshi").get(
        f"/analysis/key-persons/export.xlsx?village={villages[0].pk}"
    )
    assert response.status_code == 200
    sheet = _workbook(response)["重点人员"]
    rows = list(sheet.iter_rows(values_only=True))
    assert "李晓静" in rows[0][0] or "banshi" in rows[0][0]
    assert rows[1][0].startswith("重点人员（筛选：") and villages[0].name in rows[1][0]
    assert rows[2][:5] == ("序号", "姓名", "身份证号", "所属村", "作案次数")
    # In the east village 王 and 李 are level (two incidents, one 刑事), 赵 follows.
    assert {rows[3][1], rows[4][1]} == {"王大虎", "李二"} and rows[5][1] == "赵三"
    wang = next(row for row in rows[3:] if row[1] == "王大虎")
    assert wang[2] != WANG.id_number and wang[2].endswith(WANG.id_number[-4:])
    assert wang[4:7] == (2, 1, 1)
    event = AuditEvent.objects.get(action=AuditAction.KEY_PERSONS_EXPORTED)
    assert event.details["rows"] == 3 and event.details["filters"]["village_id"] == villages[0].pk
    assert "王大虎" not in str(event.details)


def test_the_co_offenders_ledger_has_the_pairs_and_the_groups(
    history: dict, client_as: ClientAs
) -> None:
    response = client_as("minjing").get("/analysis/co-offenders/export.xlsx")
    assert response.status_code == 200
    workbook = _workbook(response)
    pairs = list(workbook["同案人员"].iter_rows(values_only=True))
    assert pairs[1][0].startswith("同案人员（筛选：") and "共同作案至少（次） 2" in pairs[1][0]
    assert len(pairs) == 5 and {(frozenset({row[1], row[3]}), row[5]) for row in pairs[3:]} == {
        (frozenset({"王大虎", "李二"}), 2),
        (frozenset({"王大虎", "赵三"}), 2),
    }
    assert any(history["first"].number in row[9] for row in pairs[3:])
    assert all(WANG.id_number not in str(cell) for row in pairs for cell in row)
    groups = list(workbook["关联团伙"].iter_rows(values_only=True))
    assert groups[3][1] == 3 and "王大虎" in groups[3][2]
    event = AuditEvent.objects.get(action=AuditAction.CO_OFFENDERS_EXPORTED)
    assert event.details["rows"] == 2 and event.details["filters"]["date_to"]


def test_the_menu_shows_the_lists_to_the_office_and_police_only(
    demo: None, client_as: ClientAs
) -> None:
    assert "/analysis/key-persons/" in client_as("banshi").get("/").content.decode()
    assert "/analysis/co-offenders/" in client_as("minjing").get("/").content.decode()
    assert "/analysis/key-persons/" not in client_as("cun01").get("/").content.decode()
