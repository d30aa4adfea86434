"""The seed's villager tip arrives through the portal; `load_demo` prints its receipt once."""

import io
import re

import pytest
from django.core.management import call_command

from saohei.leads.models import Channel, Source, Status
from saohei.tips import queries
from saohei.tips.models import MessageDirection, ReporterStatus, TipStatus
from saohei.tips.tests.conftest import tables_containing

pytestmark = pytest.mark.django_db


def test_demo_tip_is_a_real_name_portal_tip_accepted_by_the_office() -> None:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    match = re.search(r"查询码：(\d{4}) (\d{4}) (\d{4}) (\d{4})", out.getvalue())
    assert match, out.getvalue()
    receipt = "".join(match.groups())

    tip = queries.get_tip_by_receipt(receipt)
    assert tip is not None and tip.is_real_name and tip.status == TipStatus.ACCEPTED
    assert tip.decided_by is not None and tip.decided_by.username == "banshi"
    lead = tip.lead
    assert lead is not None
    assert (lead.source, lead.channel, lead.status) == (
        Source.PUBLIC_REPORT,
        Channel.ONLINE,
        Status.ARCHIVED,
    )
    assert lead.received_at.date().isoformat() == "2020-05-11"
    assert lead.is_real_name_report and lead.reporter_reference == tip.reporter_reference
    assert lead.follow_ups.exists() and lead.conclusion == "excluded"
    assert tip.reporter_status == ReporterStatus.CONCLUDED
    assert tip.messages.filter(direction=MessageDirection.TO_REPORTER).exists()
    assert tables_containing(receipt) == []

    again = io.StringIO()
    call_command("load_demo", stdout=again)
    assert receipt not in again.getvalue()
    assert "查询码已在首次载入时显示" in again.getvalue()
