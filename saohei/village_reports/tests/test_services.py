from collections.abc import Callable
from datetime import date

import pytest
from django.utils import timezone

from saohei.audit.models import AuditAction, AuditEvent
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.leads.models import Lead
from saohei.organisations.models import Unit, User
from saohei.village_reports import queries, services
from saohei.village_reports.models import ReportKind, VillageReport
from saohei.village_reports.tests.conftest import RegisterLead

pytestmark = pytest.mark.django_db
UserOf = Callable[[str], User]
VillageOf = Callable[[str], Unit]


def this_month() -> date:
    return timezone.localdate().replace(day=1)


def zero(month: date | None = None, *, confirmed: bool = True) -> services.ReportInput:
    return services.ReportInput(
        month=month or this_month(), kind=ReportKind.ZERO, zero_confirmed=confirmed
    )


def test_village_head_submits_a_zero_report_with_its_audit_event(
    user: UserOf, village_of: VillageOf
) -> None:
    village = village_of("cun02")

    report = services.submit_village_report(actor=user("cun02"), village=village, data=zero())

    assert report.kind == ReportKind.ZERO
    assert report.town == village.parent
    event = AuditEvent.objects.get(action=AuditAction.VILLAGE_REPORT_SUBMITTED)
    assert event.details["kind"] == "zero"
    assert event.actor_username == "cun02"


def test_a_zero_report_needs_the_heads_confirmation(user: UserOf, village_of: VillageOf) -> None:
    with pytest.raises(ServiceError) as refused:
        services.submit_village_report(
            actor=user("cun02"), village=village_of("cun02"), data=zero(confirmed=False)
        )
    assert refused.value.field == "zero_confirmed"
    assert not VillageReport.objects.exists()


def test_village_head_reports_the_leads_registered_for_the_village(
    user: UserOf, village_of: VillageOf, register_lead: RegisterLead
) -> None:
    village = village_of("cun02")
    lead = register_lead(village)

    report = services.submit_village_report(
        actor=user("cun02"),
        village=village,
        data=services.ReportInput(month=this_month(), kind=ReportKind.LEADS, lead_ids=(lead.pk,)),
    )

    assert list(report.leads.all()) == [lead]


def test_a_lead_of_another_village_cannot_be_reported(
    user: UserOf, village_of: VillageOf, register_lead: RegisterLead
) -> None:
    other = register_lead(village_of("cun03"))
    with pytest.raises(ServiceError) as refused:
        services.submit_village_report(
            actor=user("cun02"),
            village=village_of("cun02"),
            data=services.ReportInput(
                month=this_month(), kind=ReportKind.LEADS, lead_ids=(other.pk,)
            ),
        )
    assert refused.value.field == "leads"
    assert not VillageReport.objects.exists()


def test_a_second_report_for_the_same_month_is_refused(user: UserOf, village_of: VillageOf) -> None:
    village = village_of("cun02")
    services.submit_village_report(actor=user("cun02"), village=village, data=zero())
    events = AuditEvent.objects.count()

    with pytest.raises(ServiceError, match="不能重复报送"):
        services.submit_village_report(
            actor=user("cun02"),
            village=village,
            data=services.ReportInput(month=this_month(), kind=ReportKind.LEADS, note="有线索"),
        )

    assert VillageReport.objects.get().kind == ReportKind.ZERO
    assert AuditEvent.objects.count() == events


def test_a_head_cannot_report_for_another_village(user: UserOf, village_of: VillageOf) -> None:
    with pytest.raises(ActionNotAllowed):
        services.submit_village_report(
            actor=user("cun02"), village=village_of("cun03"), data=zero()
        )
    with pytest.raises(ActionNotAllowed):
        services.submit_village_report(
            actor=user("banshi"), village=village_of("cun03"), data=zero()
        )
    assert not VillageReport.objects.exists()


def test_a_month_in_the_future_is_refused(user: UserOf, village_of: VillageOf) -> None:
    future = queries.next_month(this_month())
    with pytest.raises(ServiceError) as refused:
        services.submit_village_report(
            actor=user("cun02"), village=village_of("cun02"), data=zero(future)
        )
    assert refused.value.field == "month"


def test_office_sees_the_villages_that_have_not_reported(
    user: UserOf, village_of: VillageOf
) -> None:
    village = village_of("cun02")
    town = village.parent
    assert town is not None
    services.submit_village_report(actor=user("cun02"), village=village, data=zero())

    rows = queries.list_town_month(viewer=user("banshi"), town=town, month=this_month())

    missing = {row.village.pk for row in rows if row.is_missing}
    assert village.pk not in missing
    assert village_of("cun03").pk in missing
    assert len(missing) == len(rows) - 1
    [count] = queries.count_by_town(towns=[town], month=this_month())
    assert (count.reported, count.zero, count.missing) == (1, 1, len(rows) - 1)


def test_a_lead_registered_after_a_zero_report_is_flagged_for_the_office(
    user: UserOf, village_of: VillageOf, register_lead: RegisterLead
) -> None:
    village, quiet = village_of("cun02"), village_of("cun03")
    town = village.parent
    assert town is not None
    services.submit_village_report(actor=user("cun02"), village=village, data=zero())
    services.submit_village_report(
        actor=user("cun03"),
        village=quiet,
        data=services.ReportInput(month=this_month(), kind=ReportKind.LEADS, note="已口头报告"),
    )

    late = register_lead(village, handled=False)
    register_lead(quiet, handled=False)

    rows = {
        row.village.pk: row
        for row in queries.list_town_month(viewer=user("banshi"), town=town, month=this_month())
    }
    assert rows[village.pk].later_leads == [late]
    # A report that named leads is not contradicted by one more.
    assert rows[quiet.pk].later_leads == []


def test_a_lead_registered_before_the_zero_report_is_not_flagged(
    user: UserOf, village_of: VillageOf, register_lead: RegisterLead
) -> None:
    village = village_of("cun02")
    assert village.parent is not None
    register_lead(village, handled=False)
    services.submit_village_report(actor=user("cun02"), village=village, data=zero())

    rows = queries.list_town_month(viewer=user("banshi"), town=village.parent, month=this_month())

    assert all(not row.later_leads for row in rows)


def test_office_sets_the_due_day_and_a_village_head_cannot(
    user: UserOf, village_of: VillageOf
) -> None:
    town = village_of("cun02").parent
    assert town is not None
    services.set_due_day(actor=user("banshi"), town=town, due_day=10)
    assert queries.due_day_of(town) == 10
    assert queries.due_on(date(2026, 12, 1), due_day=10) == date(2027, 1, 10)
    with pytest.raises(ServiceError):
        services.set_due_day(actor=user("banshi"), town=town, due_day=31)
    with pytest.raises(ActionNotAllowed):
        services.set_due_day(actor=user("cun02"), town=town, due_day=3)
    assert queries.due_day_of(town) == 10


def test_a_later_lead_about_an_official_is_flagged_to_the_leaders_only(
    user: UserOf, village_of: VillageOf, register_lead: RegisterLead
) -> None:
    village = village_of("cun02")
    town = village.parent
    assert town is not None
    services.submit_village_report(actor=user("cun02"), village=village, data=zero())
    lead = register_lead(village, handled=False, official=True)

    def flagged(username: str) -> list[Lead]:
        rows = queries.list_town_month(viewer=user(username), town=town, month=this_month())
        return [lead for row in rows for lead in row.later_leads]

    assert flagged("shuji") == [lead]
    assert flagged("banshi") == []
