"""The export audit events: written for those who may export, refused (nothing written) otherwise."""

import pytest

from saohei.audit.models import AuditAction, AuditEvent
from saohei.common.errors import ActionNotAllowed
from saohei.organisations.models import Unit
from saohei.reports import services
from saohei.reports.services import Ledger
from saohei.reports.statistics import Period, PeriodKind
from saohei.reports.tests.conftest import person


def test_a_ledger_export_is_audited_with_rows_and_filters(demo: None) -> None:
    services.record_ledger_export(
        actor=person("cun02"),
        ledger=Ledger.INSPECTIONS,
        rows=2,
        filters={"village_id": 5},
        ip_address="10.0.0.8",
    )
    event = AuditEvent.objects.filter(action=AuditAction.INSPECTIONS_EXPORTED).get()
    assert (event.actor_username, event.ip_address) == ("cun02", "10.0.0.8")
    assert event.details == {"rows": 2, "filters": {"village_id": 5}}


@pytest.mark.parametrize(
    ("username", "ledger"),
    [("cun02", Ledger.MEETINGS), ("shenji", Ledger.TALKS), ("minjing", Ledger.INSPECTIONS)],
)
def test_a_role_that_may_not_export_is_refused_and_nothing_is_written(
    demo: None, username: str, ledger: Ledger
) -> None:
    with pytest.raises(ActionNotAllowed):
        services.record_ledger_export(actor=person(username), ledger=ledger, rows=0, filters={})
    assert not AuditEvent.objects.filter(action=ledger.action).exists()


def test_a_statistics_export_is_audited_and_refused_to_village_heads(demo: None) -> None:
    town = Unit.objects.get(name="港西镇")
    period = Period(PeriodKind.QUARTER, 2025, 1)
    with pytest.raises(ActionNotAllowed):
        services.record_statistics_export(actor=person("cun02"), period=period, towns=[town])
    exported = AuditEvent.objects.filter(action=AuditAction.STATISTICS_EXPORTED)
    assert not exported.exists()
    services.record_statistics_export(actor=person("shiban"), period=period, towns=[town])
    event = exported.get()
    assert event.details == {"period": "2025-Q1", "kind": "quarter", "towns": [town.pk]}
