"""Last month's 村月报 of 港西镇, sent through the real service: most villages a 零报告, two a
report with a note, and the seed's last two villages missing, for the office's 未报送 list."""

from django.utils import timezone

from saohei.common.roles import Role
from saohei.organisations.models import Unit
from saohei.organisations.queries import users_holding
from saohei.village_reports import queries, services
from saohei.village_reports.models import ReportKind, VillageReport

# The villages (in tree order) that have not reported: the office's list to chase.
MISSING = 2
NOTES = {
    0: "村民反映有外地人员在村内收取“保护费”，已当面向镇扫黑办报告，待登记核查",
    3: "发现有人在渔港码头强揽生意，已向派出所反映",
}


def load_demo_village_reports(town: Unit) -> int:
    """Send last month's reports once (none yet for the town); returns how many were sent."""
    if VillageReport.objects.filter(town=town).exists():
        return 0
    today = timezone.localdate()
    month = queries.previous_month(queries.first_of_month(today))
    # In the seed's order: the last two (cun20's and cun21's) are the ones missing.
    villages = list(
        Unit.objects.villages().active().filter(parent=town).order_by("sort_order", "pk")
    )
    sent = 0
    for index, village in enumerate(villages[:-MISSING]):
        head = users_holding(Role.VILLAGE_HEAD, on=village).order_by("pk").first()
        if head is None:
            continue
        note = NOTES.get(index, "")
        services.submit_village_report(
            actor=head,
            village=village,
            data=services.ReportInput(
                month=month,
                kind=ReportKind.LEADS if note else ReportKind.ZERO,
                note=note,
                zero_confirmed=not note,
            ),
            today=today,
        )
        sent += 1
    return sent
