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

from saohei.audit.models import AuditAction, AuditEvent
from saohei.city_assignments.models import AssignedTown, CityAssignment, Verdict
from saohei.city_assignments.queries import WITHHELD
from saohei.city_assignments.tests.conftest import conclude_and_feed_back
from saohei.leads.models import Lead, Status
from saohei.organisations.models import Unit, User

pytestmark = pytest.mark.django_db

Assigned = Callable[..., CityAssignment]
ClientAs = Callable[[str], Client]
OUTSIDERS = ["banshi", "shuji", "cun01", "minjing", "baoguan", "xitong"]


def _row(assignment: CityAssignment) -> AssignedTown:
    return assignment.towns.select_related("lead").get()


def _pages(assignment: CityAssignment) -> list[str]:
    return [
        reverse("city_assignments:list"),
        reverse("city_assignments:create"),
        reverse("city_assignments:export"),
        reverse("city_assignments:detail", args=[assignment.pk]),
    ]


def _actions(assignment: CityAssignment) -> list[str]:
    row = assignment.towns.get()
    return [
        reverse("city_assignments:accept", args=[assignment.pk, row.pk]),
        reverse("city_assignments:return", args=[assignment.pk, row.pk]),
    ]


class TestAccess:
    def test_the_city_supervisor_opens_every_page(
        self, assigned: Assigned, client_as: ClientAs
    ) -> None:
        assignment = assigned()
        client = client_as("shiban")
        for url in _pages(assignment):
            assert client.get(url).status_code == 200, url

    @pytest.mark.parametrize("username", OUTSIDERS)
    def test_town_village_police_and_admin_accounts_are_refused(
        self, assigned: Assigned, client_as: ClientAs, username: str
    ) -> None:
        assignment = assigned()
        conclude_and_feed_back(_row(assignment).lead)
        client = client_as(username)
        reason = {f"return{_row(assignment).pk}-reason": "退回理由充分"}
        for url in _pages(assignment) + _actions(assignment):
            method = client.post if url in _actions(assignment) else client.get
            assert method(url, reason).status_code == 403, url
        assert _row(assignment).verdict == ""

    def test_another_citys_supervisor_finds_nothing(
        self, assigned: Assigned, client_as: ClientAs, other_city: Unit
    ) -> None:
        assignment = assigned()
        conclude_and_feed_back(_row(assignment).lead)
        client = client_as("wdshiban")
        listing = client.get(reverse("city_assignments:list"))
        assert assignment.number not in listing.content.decode()
        assert (
            client.get(reverse("city_assignments:detail", args=[assignment.pk])).status_code == 404
        )
        for url in _actions(assignment):
            assert client.post(url).status_code == 404
        assert _row(assignment).verdict == ""
        # Its own city's towns only on the form.
        form = client.get(reverse("city_assignments:create")).content.decode()
        assert "文登营镇" in form and "港西镇" not in form

    def test_anonymous_is_sent_to_sign_in(self, assigned: Assigned) -> None:
        assignment = assigned()
        for url in _pages(assignment) + _actions(assignment):
            response = Client().post(url) if url in _actions(assignment) else Client().get(url)
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("accounts:login"))

    def test_the_town_never_sees_another_towns_lead(
        self, city: Unit, town: Unit, other_town: Unit, assigned: Assigned, client_as: ClientAs
    ) -> None:
        assignment = assigned(towns=[town, other_town])
        other_lead = assignment.towns.get(town=other_town).lead
        own_lead = assignment.towns.get(town=town).lead
        client = client_as("banshi")
        assert client.get(reverse("leads:detail", args=[own_lead.pk])).status_code == 200
        assert client.get(reverse("leads:detail", args=[other_lead.pk])).status_code == 404
        assert other_lead.number not in client.get(reverse("leads:list")).content.decode()


class TestPages:
    def test_assigning_through_the_page(
        self, client_as: ClientAs, town: Unit, other_town: Unit
    ) -> None:
        deadline = timezone.localdate() + timedelta(days=10)
        response = client_as("shiban").post(
            reverse("city_assignments:create"),
            {
                "towns": [town.pk, other_town.pk],
                "deadline": deadline.isoformat(),
                "instruction": "限期核查反馈",
                "summary": "反映有人在渔港强收停靠费",
                "subject_name": "",
                "source": "platform_12337",
                "number": "",
            },
        )
        assignment = CityAssignment.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("city_assignments:detail", args=[assignment.pk])
        assert Lead.objects.filter(source="platform_12337", upstream_deadline=deadline).count() == 2

    def test_bad_input_shows_the_form_again_and_writes_nothing(self, client_as: ClientAs) -> None:
        response = client_as("shiban").post(
            reverse("city_assignments:create"),
            {
                "deadline": "2020-01-01",
                "instruction": "限期",
                "summary": "内容",
                "source": "upper_assigned",
            },
        )
        assert response.status_code == 400
        assert "交办镇（街道）" in response.content.decode()
        assert not CityAssignment.objects.exists() and not Lead.objects.exists()

    def test_return_then_accept_through_the_pages(
        self, assigned: Assigned, client_as: ClientAs
    ) -> None:
        assignment = assigned()
        row = _row(assignment)
        conclude_and_feed_back(row.lead)
        client = client_as("shiban")
        detail = reverse("city_assignments:detail", args=[assignment.pk])
        page = client.get(detail).content.decode()
        assert "经走访核实，反映问题部分属实" in page and "已反馈待审核" in page

        later = (timezone.localdate() + timedelta(days=20)).isoformat()
        refused = client.post(
            _actions(assignment)[1],
            {f"return{row.pk}-reason": "", f"return{row.pk}-deadline": later},
        )
        assert refused.status_code == 400
        assert Lead.objects.get().status == Status.CONCLUDED

        returned = client.post(
            _actions(assignment)[1],
            {f"return{row.pk}-reason": "核查对象不全，请补充", f"return{row.pk}-deadline": later},
        )
        assert returned.status_code == 302
        assert Lead.objects.get().status == Status.INVESTIGATING
        assert "已退回重查" in client.get(detail).content.decode()

        conclude_and_feed_back(Lead.objects.get())
        assert client.post(_actions(assignment)[0]).status_code == 302
        assert _row(assignment).verdict == Verdict.ACCEPTED
        assert "已采纳" in client.get(detail).content.decode()

    def test_an_officials_lead_is_withheld_from_another_supervisor(
        self, assigned: Assigned, client_as: ClientAs, second_supervisor: User
    ) -> None:
        assignment = assigned(involves_official=True)
        conclude_and_feed_back(_row(assignment).lead)
        client = client_as("shiban2")
        for url in (
            reverse("city_assignments:list"),
            reverse("city_assignments:detail", args=[assignment.pk]),
        ):
            body = client.get(url).content.decode()
            assert "强占" not in body and "经走访核实" not in body and WITHHELD in body
        detail = client.get(reverse("city_assignments:detail", args=[assignment.pk]))
        assert "/accept/" not in detail.content.decode()
        assert client.post(_actions(assignment)[0]).status_code == 400
        assert _row(assignment).verdict == ""


def _sheet(response: Any) -> Any:
    assert response.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


class TestExport:
    def test_the_feedback_sheet_in_the_feedback_layout(
        self, assigned: Assigned, client_as: ClientAs, town: Unit, other_town: Unit
    ) -> None:
        assignment = assigned(towns=[town, other_town])
        conclude_and_feed_back(assignment.towns.get(town=town).lead)

        response = client_as("shiban").get(reverse("city_assignments:export"))

        sheet = _sheet(response)
        rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=3)]
        assert rows[0] == [
            "序号",
            "交办编号",
            "镇",
            "问题内容",
            "交办日期",
            "反馈期限",
            "状态",
            "核查情况",
            "核查结论",
            "办结时间",
            "反馈人",
            "审核结果",
        ]
        first, second = rows[1], rows[2]
        assert first[1:4] == [assignment.number, "港西镇", assignment.summary]
        assert first[6] == "已办结（已反馈待审核）"
        assert first[7] == "经走访核实，反映问题部分属实" and first[8] == "部分查实"
        assert first[9] is not None and first[10] == "李晓静" and first[11] == "待审核"
        assert second[2] == "柳林镇" and second[7] == "尚未办结反馈" and not second[8]
        assert AuditEvent.objects.filter(action=AuditAction.CITY_ASSIGNMENTS_EXPORTED).exists()

    def test_the_sheet_withholds_an_officials_lead(
        self, assigned: Assigned, client_as: ClientAs, second_supervisor: User
    ) -> None:
        assignment = assigned(involves_official=True)
        conclude_and_feed_back(_row(assignment).lead)
        response = client_as("shiban2").get(reverse("city_assignments:export"))
        sheet = _sheet(response)
        row = [cell.value for cell in sheet[4]]
        assert row[3] == WITHHELD and row[7] == WITHHELD and not row[8]


def test_the_list_costs_the_same_queries_for_one_assignment_or_many(
    assigned: Assigned, client_as: ClientAs, town: Unit, other_town: Unit
) -> None:
    client = client_as("shiban")
    url = reverse("city_assignments:list")
    assigned()

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    one = queries()
    for _ in range(3):
        assigned(towns=[town, other_town])
    assert queries() == one
