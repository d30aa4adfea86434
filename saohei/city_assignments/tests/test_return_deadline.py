"""退回重查 with a new 反馈期限 (0062 addendum): chosen by the city (default ten 工作日), checked,
on the town's row and the lead's upstream deadline, shown to the town, driving its reminders."""

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from saohei.audit.models import AuditAction, AuditEvent
from saohei.city_assignments import services
from saohei.city_assignments.models import AssignedTown, CityAssignment, Progress
from saohei.city_assignments.queries import summarise
from saohei.city_assignments.tests.conftest import conclude_and_feed_back
from saohei.common.errors import ServiceError
from saohei.deadlines.models import ReminderLog
from saohei.leads.deadlines import run_deadline_reminders
from saohei.leads.models import Lead, LeadEvent, LeadEventKind, Status
from saohei.notifications.models import Notification, NotificationKind
from saohei.organisations.models import Unit, User
from saohei.workdays.calendar import add_working_days

pytestmark = pytest.mark.django_db

Assigned = Callable[..., CityAssignment]
ClientAs = Callable[[str], Client]


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _row(assignment: CityAssignment, town: Unit) -> AssignedTown:
    return assignment.towns.select_related("assignment__city", "lead").get(town=town)


def _fed_back_and_overdue(assigned: Assigned, town: Unit) -> AssignedTown:
    """A town's 反馈 waiting for the city on a lead whose deadline has passed and was chased."""
    assignment = assigned()
    row = _row(assignment, town)
    conclude_and_feed_back(row.lead)
    Lead.objects.filter(pk=row.lead_id).update(
        due_on=timezone.localdate() - timedelta(days=5), escalation_level=2
    )
    return _row(assignment, town)


def _written() -> tuple[int, int, int, int]:
    return (
        LeadEvent.objects.count(),
        AuditEvent.objects.count(),
        Notification.objects.count(),
        AssignedTown.objects.exclude(verdict="").count(),
    )


class TestService:
    def test_a_return_without_a_date_gives_ten_working_days(
        self, assigned: Assigned, town: Unit
    ) -> None:
        row = _fed_back_and_overdue(assigned, town)
        expected = add_working_days(timezone.localdate(), services.RETURN_WORKING_DAYS)

        returned = services.return_feedback(
            actor=_user("shiban"), row=row, reason="未写明走访对象，请补充核查"
        )

        assert returned.return_deadline == expected
        lead = Lead.objects.get(pk=row.lead_id)
        assert lead.upstream_deadline == expected and lead.due_on == expected
        assert lead.escalation_level == 0 and lead.status == Status.INVESTIGATING
        summary = summarise(_user("shiban"), row.assignment)
        assert summary.towns[0].progress == Progress.RETURNED
        # Owed again, but by the new date: not overdue any more.
        assert not summary.towns[0].is_overdue and summary.overdue == 0

    def test_the_citys_date_goes_to_the_row_the_lead_its_history_and_the_audit(
        self, assigned: Assigned, town: Unit
    ) -> None:
        row = _fed_back_and_overdue(assigned, town)
        before = Lead.objects.get(pk=row.lead_id).due_on
        chosen = timezone.localdate() + timedelta(days=30)

        services.return_feedback(
            actor=_user("shiban"), row=row, reason="未写明走访对象，请补充核查", deadline=chosen
        )

        row.refresh_from_db()
        lead = Lead.objects.get(pk=row.lead_id)
        assert row.return_deadline == chosen == lead.due_on == lead.upstream_deadline
        event = lead.events.filter(kind=LeadEventKind.FEEDBACK_RETURNED).get()
        assert f"新的反馈期限 {chosen:%Y-%m-%d}" in event.note
        assert f"原办理时限 {before:%Y-%m-%d}" in event.note  # type: ignore[union-attr]
        city_event = AuditEvent.objects.get(action=AuditAction.CITY_FEEDBACK_RETURNED)
        assert city_event.details["deadline"] == {
            "before": before.isoformat(),  # type: ignore[union-attr]
            "after": chosen.isoformat(),
        }
        lead_event = AuditEvent.objects.get(action=AuditAction.LEAD_FEEDBACK_RETURNED)
        changes = lead_event.details["changes"]
        assert changes["upstream_deadline"]["after"] == changes["due_on"]["after"] == str(chosen)
        notice = Notification.objects.filter(recipient__username="banshi").latest("id")
        assert "退回重查" in notice.title and f"{chosen:%Y-%m-%d}" in notice.body
        # The reason stays on the lead; the notice only points to it.
        assert "走访" not in notice.title + notice.body

    def test_today_is_the_earliest_new_deadline(self, assigned: Assigned, town: Unit) -> None:
        row = _fed_back_and_overdue(assigned, town)
        today = timezone.localdate()
        services.return_feedback(
            actor=_user("shiban"), row=row, reason="未写明走访对象，请补充核查", deadline=today
        )
        assert Lead.objects.get(pk=row.lead_id).due_on == today

    @pytest.mark.parametrize(
        ("days_ago", "message"),
        [
            (1, "新的反馈期限不能早于今天"),
            (400, "新的反馈期限不能早于今天"),
            (9000, "新的反馈期限"),
        ],
    )
    def test_a_past_deadline_is_refused_and_writes_nothing(
        self, assigned: Assigned, town: Unit, days_ago: int, message: str
    ) -> None:
        row = _fed_back_and_overdue(assigned, town)
        lead_before = Lead.objects.get(pk=row.lead_id)
        written = _written()

        with pytest.raises(ServiceError, match=message) as refused:
            services.return_feedback(
                actor=_user("shiban"),
                row=row,
                reason="未写明走访对象，请补充核查",
                deadline=timezone.localdate() - timedelta(days=days_ago),
            )

        assert refused.value.field == "deadline"
        assert _written() == written
        lead = Lead.objects.get(pk=row.lead_id)
        assert lead.status == Status.CONCLUDED and lead.fed_back_at is not None
        assert (lead.due_on, lead.upstream_deadline, lead.version) == (
            lead_before.due_on,
            lead_before.upstream_deadline,
            lead_before.version,
        )
        row.refresh_from_db()
        assert row.return_deadline is None and row.verdict == ""

    def test_a_deadline_beyond_five_years_is_refused(self, assigned: Assigned, town: Unit) -> None:
        row = _fed_back_and_overdue(assigned, town)
        written = _written()
        with pytest.raises(ServiceError):
            services.return_feedback(
                actor=_user("shiban"),
                row=row,
                reason="未写明走访对象，请补充核查",
                deadline=timezone.localdate() + timedelta(days=6 * 366),
            )
        assert _written() == written


class TestReminders:
    def test_the_ladder_climbs_again_from_the_new_deadline(
        self, assigned: Assigned, town: Unit
    ) -> None:
        today = timezone.localdate()
        row = _fed_back_and_overdue(assigned, town)
        new_deadline = add_working_days(today, 10)
        services.return_feedback(
            actor=_user("shiban"),
            row=row,
            reason="未写明走访对象，请补充核查",
            deadline=new_deadline,
        )
        lead = Lead.objects.get(pk=row.lead_id)
        chased = Notification.objects.filter(
            kind__in=[NotificationKind.OVERDUE, NotificationKind.ESCALATION]
        )

        # Today: the old, passed deadline no longer chases anybody.
        run_deadline_reminders(today=today)
        assert not chased.exists()
        assert not ReminderLog.objects.exists()

        # Three working days before the new deadline: the T-3 reminder names it.
        run_deadline_reminders(today=add_working_days(new_deadline, -3))
        reminder = Notification.objects.get(
            kind=NotificationKind.REMINDER, title__contains="3个工作日"
        )
        assert f"办理时限 {new_deadline:%Y-%m-%d}" in reminder.body
        assert reminder.recipient_id == lead.handler_id

        # After it, 催办 on the new deadline.
        run_deadline_reminders(today=add_working_days(new_deadline, 1))
        urge = chased.get()
        assert f"办理时限 {new_deadline:%Y-%m-%d}" in urge.body
        assert set(ReminderLog.objects.values_list("due_on", flat=True)) == {new_deadline}


def _post_return(client: Client, row: AssignedTown, reason: str, deadline: date | str) -> object:
    url = reverse("city_assignments:return", args=[row.assignment_id, row.pk])
    return client.post(
        url,
        {
            f"return{row.pk}-reason": reason,
            f"return{row.pk}-deadline": deadline
            if isinstance(deadline, str)
            else deadline.isoformat(),
        },
    )


class TestPages:
    def test_the_form_proposes_ten_working_days(
        self, assigned: Assigned, town: Unit, client_as: ClientAs
    ) -> None:
        row = _fed_back_and_overdue(assigned, town)
        page = client_as("shiban").get(reverse("city_assignments:detail", args=[row.assignment_id]))
        default = add_working_days(timezone.localdate(), services.RETURN_WORKING_DAYS)
        body = page.content.decode()
        assert "新的反馈期限" in body and f'value="{default:%Y-%m-%d}"' in body

    @pytest.mark.parametrize("deadline", ["yesterday", "", "2026-13-40"])
    def test_a_refused_date_shows_the_form_again_and_writes_nothing(
        self, assigned: Assigned, town: Unit, client_as: ClientAs, deadline: str
    ) -> None:
        row = _fed_back_and_overdue(assigned, town)
        if deadline == "yesterday":
            deadline = (timezone.localdate() - timedelta(days=1)).isoformat()
        client = client_as("shiban")  # signing in is audited: count after it
        written = _written()

        response = _post_return(client, row, "未写明走访对象，请补充核查", deadline)

        assert response.status_code == 400  # type: ignore[attr-defined]
        body = response.content.decode()  # type: ignore[attr-defined]
        assert "新的反馈期限" in body and "invalid-feedback" in body
        assert _written() == written
        assert Lead.objects.get(pk=row.lead_id).status == Status.CONCLUDED

    def test_the_town_sees_the_new_deadline_on_its_lead(
        self, assigned: Assigned, town: Unit, client_as: ClientAs
    ) -> None:
        row = _fed_back_and_overdue(assigned, town)
        chosen = timezone.localdate() + timedelta(days=25)
        city = client_as("shiban")

        response = _post_return(city, row, "未写明走访对象，请补充核查", chosen)

        assert response.status_code == 302  # type: ignore[attr-defined]
        detail = city.get(reverse("city_assignments:detail", args=[row.assignment_id]))
        assert f"新的反馈期限 {chosen:%Y-%m-%d}" in detail.content.decode()
        lead_page = client_as("banshi").get(reverse("leads:detail", args=[row.lead_id]))
        body = lead_page.content.decode()
        assert f"要求 {chosen:%Y-%m-%d} 前办结" in body
        assert f"新的反馈期限 {chosen:%Y-%m-%d}" in body

    def test_another_town_neither_sees_nor_is_told_of_the_return(
        self, assigned: Assigned, town: Unit, other_town: Unit, client_as: ClientAs
    ) -> None:
        row = _fed_back_and_overdue(assigned, town)
        chosen = timezone.localdate() + timedelta(days=25)
        _post_return(client_as("shiban"), row, "未写明走访对象，请补充核查", chosen)
        assert Lead.objects.get(pk=row.lead_id).due_on == chosen
        other = client_as("llbanshi")
        assert other.get(reverse("leads:detail", args=[row.lead_id])).status_code == 404
        assert not Notification.objects.filter(
            recipient__username="llbanshi", title__contains="退回重查"
        ).exists()
        # Nor may a town's account return anything itself.
        written = _written()
        refused = _post_return(other, row, "未写明走访对象，请补充核查", chosen)
        assert refused.status_code == 403  # type: ignore[attr-defined]
        assert _written() == written
