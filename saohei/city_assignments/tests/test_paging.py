"""The city's lists page and filter (0062 addendum): the assignment list by keyset on
(assigned_at, id), one assignment's towns by page number; filters 进行中/已逾期/待审核反馈/已办结
and town; a bounded count; the export stays whole."""

import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import openpyxl
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from saohei.city_assignments import queries, services
from saohei.city_assignments.access import visible_assignments
from saohei.city_assignments.models import AssignedTown, CityAssignment, ListStatus
from saohei.city_assignments.tests.conftest import conclude_and_feed_back
from saohei.leads.models import Lead
from saohei.organisations.models import Unit, UnitKind, User
from saohei.organisations.services import build_unit

pytestmark = pytest.mark.django_db

Assigned = Callable[..., CityAssignment]
ClientAs = Callable[[str], Client]


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _numbers(response: Any) -> list[str]:
    """交办编号 on a list page, in order."""
    body = response.content.decode()
    return [
        assignment.number
        for assignment in sorted(
            CityAssignment.objects.all(), key=lambda assignment: body.find(f">{assignment.number}<")
        )
        if f">{assignment.number}<" in body
    ]


@pytest.fixture
def four(assigned: Assigned, town: Unit, other_town: Unit) -> dict[str, CityAssignment]:
    """Four assignments to both towns, one in each state for 港西镇 (柳林镇 always waiting):
    waiting, overdue, submitted, accepted."""
    made = {
        name: assigned(towns=[town, other_town], number=f"SJ-{name}")
        for name in ("waiting", "overdue", "submitted", "accepted")
    }
    Lead.objects.filter(pk=made["overdue"].towns.get(town=town).lead_id).update(
        due_on=timezone.localdate() - timedelta(days=2)
    )
    conclude_and_feed_back(made["submitted"].towns.get(town=town).lead)
    accepted = made["accepted"].towns.select_related("assignment__city", "lead").get(town=town)
    conclude_and_feed_back(accepted.lead)
    services.accept_feedback(actor=_user("shiban"), row=accepted)
    return made


class TestListFilters:
    @pytest.mark.parametrize(
        ("status", "expected"),
        [
            ("", {"waiting", "overdue", "submitted", "accepted"}),
            (ListStatus.OPEN, {"waiting", "overdue", "submitted", "accepted"}),
            (ListStatus.OVERDUE, {"overdue"}),
            (ListStatus.SUBMITTED, {"submitted"}),
            (ListStatus.DONE, set()),
        ],
    )
    def test_any_town_decides_without_a_town_filter(
        self, four: dict[str, CityAssignment], status: str, expected: set[str]
    ) -> None:
        found = queries.filter_assignments(visible_assignments(_user("shiban")), status=status)
        assert {assignment.number[3:] for assignment in found} == expected

    @pytest.mark.parametrize(
        ("status", "expected"),
        [
            (ListStatus.OPEN, {"waiting", "overdue", "submitted"}),
            (ListStatus.OVERDUE, {"overdue"}),
            (ListStatus.SUBMITTED, {"submitted"}),
            (ListStatus.DONE, {"accepted"}),
        ],
    )
    def test_with_a_town_its_own_row_decides(
        self, four: dict[str, CityAssignment], town: Unit, status: str, expected: set[str]
    ) -> None:
        found = queries.filter_assignments(
            visible_assignments(_user("shiban")), status=status, town=town
        )
        assert {assignment.number[3:] for assignment in found} == expected

    def test_done_means_every_town_accepted(
        self, assigned: Assigned, town: Unit, other_town: Unit
    ) -> None:
        assignment = assigned(towns=[town, other_town])
        for row in assignment.towns.select_related("assignment__city", "lead"):
            conclude_and_feed_back(row.lead)
            services.accept_feedback(actor=_user("shiban"), row=row)
        done = queries.filter_assignments(
            visible_assignments(_user("shiban")), status=ListStatus.DONE
        )
        assert list(done) == [assignment]

    def test_a_town_filter_keeps_the_assignments_that_include_it(
        self, assigned: Assigned, town: Unit, other_town: Unit, client_as: ClientAs
    ) -> None:
        only_other = assigned(towns=[other_town], number="SJ-other")
        both = assigned(towns=[town, other_town], number="SJ-both")
        response = client_as("shiban").get(reverse("city_assignments:list"), {"town": town.pk})
        assert _numbers(response) == [both.number]
        assert only_other.number not in response.content.decode()

    def test_the_filters_through_the_page(
        self, four: dict[str, CityAssignment], town: Unit, client_as: ClientAs
    ) -> None:
        client = client_as("shiban")
        response = client.get(reverse("city_assignments:list"), {"status": "submitted"})
        assert response.status_code == 200 and _numbers(response) == ["SJ-submitted"]
        assert "共 1 项" in response.content.decode()
        done = client.get(
            reverse("city_assignments:list"), {"status": "done", "town": str(town.pk)}
        )
        assert _numbers(done) == ["SJ-accepted"]

    @pytest.mark.parametrize("params", [{"status": "nonsense"}, {"town": "999999"}])
    def test_a_bad_filter_shows_its_error_and_no_rows(
        self, four: dict[str, CityAssignment], client_as: ClientAs, params: dict[str, str]
    ) -> None:
        response = client_as("shiban").get(reverse("city_assignments:list"), params)
        assert response.status_code == 200
        assert _numbers(response) == [] and "invalid-feedback" in response.content.decode()

    def test_another_citys_town_is_not_a_choice(
        self, assigned: Assigned, other_city: Unit, client_as: ClientAs
    ) -> None:
        assigned(number="SJ-mine")
        foreign = Unit.objects.get(name="文登营镇")
        response = client_as("shiban").get(reverse("city_assignments:list"), {"town": foreign.pk})
        assert _numbers(response) == [] and "文登营镇" not in response.content.decode()


class TestListPaging:
    def test_pages_follow_each_other_without_a_gap_or_a_repeat(
        self, assigned: Assigned, client_as: ClientAs, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        made = [assigned(number=f"SJ-{n}") for n in range(5)]
        monkeypatch.setattr(queries, "PAGE_SIZE", 2)
        client = client_as("shiban")
        url = reverse("city_assignments:list")
        seen: list[str] = []
        response = client.get(url)
        pages = 0
        while True:
            pages += 1
            seen += _numbers(response)
            assert "共 5 项" in response.content.decode()
            cursor = response.context["page"].next_cursor
            if not cursor:
                break
            response = client.get(url, {"after": cursor})
        assert pages == 3
        assert seen == [assignment.number for assignment in reversed(made)]
        previous = client.get(url, {"before": response.context["page"].previous_cursor})
        assert _numbers(previous) == [made[2].number, made[1].number]

    def test_the_cursor_keeps_the_filter(
        self,
        assigned: Assigned,
        town: Unit,
        other_town: Unit,
        client_as: ClientAs,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        mine = [assigned(towns=[town], number=f"SJ-gx{n}") for n in range(3)]
        assigned(towns=[other_town], number="SJ-ll")
        monkeypatch.setattr(queries, "PAGE_SIZE", 2)
        client = client_as("shiban")
        url = reverse("city_assignments:list")
        first = client.get(url, {"town": town.pk})
        body = first.content.decode()
        assert f"town={town.pk}&amp;after=" in body
        second = client.get(url, {"town": town.pk, "after": first.context["page"].next_cursor})
        assert _numbers(first) + _numbers(second) == [a.number for a in reversed(mine)]

    def test_the_count_is_capped(
        self, assigned: Assigned, client_as: ClientAs, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        for n in range(3):
            assigned(number=f"SJ-{n}")
        monkeypatch.setattr(queries, "COUNT_CAP", 2)
        response = client_as("shiban").get(reverse("city_assignments:list"))
        assert "共 2+ 项" in response.content.decode()

    def test_a_page_costs_the_same_queries_whatever_the_total(
        self,
        assigned: Assigned,
        town: Unit,
        other_town: Unit,
        client_as: ClientAs,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        monkeypatch.setattr(queries, "PAGE_SIZE", 2)
        client = client_as("shiban")
        url = reverse("city_assignments:list")

        def counted(params: dict[str, Any]) -> int:
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url, params).status_code == 200
            return len(captured)

        for n in range(2):
            assigned(towns=[town, other_town], number=f"SJ-a{n}")
        few = counted({"status": "open", "town": town.pk})
        for n in range(6):
            assigned(towns=[town, other_town], number=f"SJ-b{n}")
        assert counted({"status": "open", "town": town.pk}) == few

    def test_the_export_is_whole_not_a_page(
        self, assigned: Assigned, client_as: ClientAs, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        for n in range(3):
            assigned(number=f"SJ-{n}")
        monkeypatch.setattr(queries, "PAGE_SIZE", 1)
        response = client_as("shiban").get(reverse("city_assignments:export"))
        content = b"".join(response.streaming_content)  # type: ignore[attr-defined]
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        numbers = {row[1].value for row in sheet.iter_rows(min_row=4) if row[1].value}
        assert numbers == {"SJ-0", "SJ-1", "SJ-2"}


class TestTownPaging:
    @pytest.fixture
    def many_towns(self, city: Unit, town: Unit) -> list[Unit]:
        extra = [
            build_unit(
                name=f"测试{n}镇", kind=UnitKind.TOWN, parent=city, code=f"T{n}", sort_order=20 + n
            )
            for n in range(4)
        ]
        return [town, *extra]

    def test_the_towns_of_one_assignment_page_in_order(
        self,
        assigned: Assigned,
        many_towns: list[Unit],
        client_as: ClientAs,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        assignment = assigned(towns=many_towns)
        monkeypatch.setattr(queries, "TOWNS_PER_PAGE", 2)
        client = client_as("shiban")
        url = reverse("city_assignments:detail", args=[assignment.pk])
        shown: list[str] = []
        for number in (1, 2, 3):
            response = client.get(url, {"page": number})
            names = [town.row.town.name for town in response.context["summary"].towns]
            assert len(names) == (2 if number < 3 else 1)
            shown += names
        assert shown == [town.name for town in many_towns]
        assert "第 1 / 3 页" in client.get(url).content.decode()
        # Past the end: the last page, as Django's get_page does.
        assert len(client.get(url, {"page": 99}).context["summary"].towns) == 1

    def test_the_towns_filter_by_status_and_the_tabs_count_them(
        self, assigned: Assigned, many_towns: list[Unit], client_as: ClientAs
    ) -> None:
        assignment = assigned(towns=many_towns)
        first = assignment.towns.get(town=many_towns[0])
        conclude_and_feed_back(first.lead)
        Lead.objects.filter(pk=assignment.towns.get(town=many_towns[1]).lead_id).update(
            due_on=timezone.localdate() - timedelta(days=1)
        )
        client = client_as("shiban")
        url = reverse("city_assignments:detail", args=[assignment.pk])

        submitted = client.get(url, {"status": "submitted"})
        assert [t.row.pk for t in submitted.context["summary"].towns] == [first.pk]
        overdue = client.get(url, {"status": "overdue"})
        assert [t.row.town for t in overdue.context["summary"].towns] == [many_towns[1]]
        assert submitted.context["counts"] == {
            "all": 5,
            "open": 5,
            "overdue": 1,
            "submitted": 1,
            "done": 0,
        }
        only = client.get(url, {"town": many_towns[2].pk})
        assert [t.row.town for t in only.context["summary"].towns] == [many_towns[2]]

    def test_a_return_from_a_later_page_comes_back_to_it(
        self,
        assigned: Assigned,
        many_towns: list[Unit],
        client_as: ClientAs,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        # 港西镇 (whose clerk the helper signs in as) last of the five: on page 3.
        Unit.objects.filter(pk=many_towns[0].pk).update(sort_order=99)
        assignment = assigned(towns=many_towns)
        last = assignment.towns.get(town=many_towns[0])
        conclude_and_feed_back(last.lead)
        monkeypatch.setattr(queries, "TOWNS_PER_PAGE", 2)
        client = client_as("shiban")
        page = client.get(reverse("city_assignments:detail", args=[assignment.pk]), {"page": 3})
        assert "?page=3" in page.content.decode()
        url = reverse("city_assignments:return", args=[assignment.pk, last.pk]) + "?page=3"
        refused = client.post(
            url, {f"return{last.pk}-reason": "短", f"return{last.pk}-deadline": "2000-01-01"}
        )
        assert refused.status_code == 400
        assert [t.row.pk for t in refused.context["summary"].towns] == [last.pk]
        assert AssignedTown.objects.get(pk=last.pk).verdict == ""


def test_a_town_of_another_city_on_the_detail_shows_an_error_and_no_rows(
    assigned: Assigned, other_city: Unit, client_as: ClientAs
) -> None:
    assignment = assigned()
    foreign = Unit.objects.get(name="文登营镇")
    response = client_as("shiban").get(
        reverse("city_assignments:detail", args=[assignment.pk]), {"town": str(foreign.pk)}
    )
    assert response.status_code == 200 and response.context["summary"].towns == []
    body = response.content.decode()
    assert "invalid-feedback" in body and "文登营镇" not in body


class TestAccess:
    @pytest.mark.parametrize("username", ["banshi", "shuji", "cun01", "minjing", "xitong"])
    def test_other_roles_are_refused_with_filters_and_cursors(
        self, four: dict[str, CityAssignment], client_as: ClientAs, username: str
    ) -> None:
        client = client_as(username)
        assignment = four["submitted"]
        for url, params in (
            (reverse("city_assignments:list"), {"status": "submitted", "after": "x"}),
            (reverse("city_assignments:detail", args=[assignment.pk]), {"page": 2}),
        ):
            assert client.get(url, params).status_code == 403

    def test_another_citys_supervisor_pages_through_nothing(
        self, four: dict[str, CityAssignment], other_city: Unit, client_as: ClientAs, town: Unit
    ) -> None:
        client = client_as("wdshiban")
        listing = client.get(reverse("city_assignments:list"), {"status": "open"})
        assert listing.status_code == 200 and _numbers(listing) == []
        assert "共 0 项" in listing.content.decode()
        # 港西镇 is not one of its towns: a field error, not a way to probe another city.
        probe = client.get(reverse("city_assignments:list"), {"town": town.pk})
        assert _numbers(probe) == [] and "港西镇" not in probe.content.decode()
        detail = reverse("city_assignments:detail", args=[four["submitted"].pk])
        assert client.get(detail, {"page": 2}).status_code == 404

    def test_anonymous_is_sent_to_sign_in(self, four: dict[str, CityAssignment]) -> None:
        response = Client().get(reverse("city_assignments:list"), {"status": "overdue"})
        assert response.status_code == 302 and "login" in response["Location"]


def test_the_sql_progress_is_the_python_progress(
    four: dict[str, CityAssignment], town: Unit
) -> None:
    """`with_progress` (filters) and `progress_of` (pages, export) read a row alike, including
    a returned row and a re-submitted one."""
    returned = four["submitted"].towns.select_related("assignment__city", "lead").get(town=town)
    services.return_feedback(actor=_user("shiban"), row=returned, reason="未写明走访对象，请补充")
    resubmitted = four["overdue"].towns.select_related("assignment__city", "lead").get(town=town)
    conclude_and_feed_back(resubmitted.lead)
    services.return_feedback(
        actor=_user("shiban"), row=resubmitted, reason="未写明走访对象，请补充"
    )
    conclude_and_feed_back(Lead.objects.get(pk=resubmitted.lead_id))
    assignments = list(CityAssignment.objects.all())
    expected = {
        town_row.row.pk: str(town_row.progress)
        for rows in queries.town_progress(_user("shiban"), assignments).values()
        for town_row in rows
    }
    annotated = {
        row.pk: row.progress_code  # type: ignore[attr-defined]
        for row in queries.with_progress(AssignedTown.objects.all())
    }
    assert annotated == expected
    assert set(expected.values()) == {"waiting", "returned", "submitted", "accepted"}
