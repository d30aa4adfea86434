"""Query counts: round list, round detail and village status stay flat as rounds and findings grow.

Measured the same for 2 rounds as for 25 (see `test_counts_are_the_same_for_few_and_many`):
list 15, detail 18, on-site list 14, village status 15 with the session and menu. The limits
leave 2 for the shared layout, far below what an N+1 over 25 rounds or 189 findings would add.
"""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from saohei.inspections.models import ArchiveFolder, Finding, FindingPhoto, InspectionRound, Result
from saohei.organisations.models import Unit, User
from saohei.rectifications.models import RectificationItem, SourceKind

pytestmark = pytest.mark.django_db
ClientAs = Callable[[str], Client]
ROUNDS = 25


def build_rounds(town: Unit, count: int) -> InspectionRound:
    """`count` rounds over every village; each village × folder has a finding, every third
    not 合格 with its rectification item and a photo. Returns the latest round."""
    office = User.objects.get(username="banshi")
    leader = User.objects.get(username="shuji")
    villages = [unit for unit in town.children.order_by("sort_order", "path") if unit.is_village]
    folders = list(ArchiveFolder.objects.filter(is_active=True))
    today = timezone.localdate()
    rounds = InspectionRound.objects.bulk_create(
        InspectionRound(
            unit=town,
            title=f"第{number + 1}轮档案检查",
            inspected_on=today - timedelta(days=count - number),
            created_by=office,
        )
        for number in range(count)
    )
    through = InspectionRound.villages.through
    through.objects.bulk_create(
        through(inspectionround_id=inspection.pk, unit_id=village.pk)
        for inspection in rounds
        for village in villages
    )
    findings = []
    for inspection in rounds:
        for number, (village, folder) in enumerate(
            (village, folder) for village in villages for folder in folders
        ):
            failed = number % 3 == 0
            item = None
            if failed:
                item = RectificationItem.objects.create(
                    unit=town,
                    village=village,
                    source_kind=SourceKind.ARCHIVE_INSPECTION,
                    description="档案缺失",
                    measures="补齐",
                    responsible_leader=leader,
                    responsible_unit=village,
                    responsible_person=office,
                    due_on=today,
                    created_by=office,
                )
            findings.append(
                Finding(
                    round=inspection,
                    village=village,
                    folder=folder,
                    result=Result.MISSING if failed else Result.PASSED,
                    note="缺失" if failed else "",
                    rectification_item=item,
                    recorded_by=office,
                    edited_by=office if failed else None,
                    edited_at=timezone.now() if failed else None,
                )
            )
    created = Finding.objects.bulk_create(findings)
    FindingPhoto.objects.bulk_create(
        FindingPhoto(
            finding=finding,
            file=f"inspections/{finding.pk}/x",
            original_name="照片.png",
            content_type="image/png",
            size=1,
            sha256="0" * 64,
        )
        for finding in created
        if finding.result != Result.PASSED
    )
    return rounds[-1]


def pages(inspection: InspectionRound, village: Unit) -> list[tuple[str, str]]:
    return [
        ("banshi", "/inspections/"),
        ("shiban", "/inspections/"),
        ("banshi", f"/inspections/{inspection.pk}/"),
        ("shiban", f"/inspections/{inspection.pk}/"),
        ("cun02", f"/inspections/{inspection.pk}/"),
        ("banshi", f"/inspections/{inspection.pk}/onsite/{village.pk}/"),
        ("banshi", f"/inspections/villages/{village.pk}/"),
        ("cun02", f"/inspections/villages/{village.pk}/"),
        ("shiban", f"/inspections/villages/{village.pk}/"),
    ]


# Page kind → the most queries allowed, whatever the number of rounds and findings.
LIMITS = {"list": 17, "detail": 20, "onsite": 16, "village": 17}


def kind_of(path: str) -> str:
    if path == "/inspections/":
        return "list"
    if "/onsite/" in path:
        return "onsite"
    if "/villages/" in path:
        return "village"
    return "detail"


def test_every_page_stays_under_its_limit_with_many_rounds(
    client_as: ClientAs,
    town: Unit,
    village: Unit,
    django_assert_max_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    latest = build_rounds(town, ROUNDS)
    clients = {name: client_as(name) for name in ("banshi", "shiban", "cun02")}

    for username, path in pages(latest, village):
        with django_assert_max_num_queries(LIMITS[kind_of(path)]):
            response = clients[username].get(path)
        assert response.status_code == 200, (username, path)
        assert "档案检查" in response.content.decode(), (username, path)

    status = clients["banshi"].get(f"/inspections/villages/{village.pk}/").content.decode()
    assert status.count("轮档案检查") == ROUNDS


def test_counts_are_the_same_for_few_and_many(
    client_as: ClientAs, town: Unit, village: Unit
) -> None:
    clients = {name: client_as(name) for name in ("banshi", "shiban", "cun02")}

    def counts(latest: InspectionRound) -> list[int]:
        measured = []
        for username, path in pages(latest, village):
            with CaptureQueriesContext(connection) as context:
                response = clients[username].get(path)
            assert response.status_code == 200, (username, path)
            assert "档案检查" in response.content.decode(), (username, path)
            measured.append(len(context))
        return measured

    few = counts(build_rounds(town, 2))
    many = counts(build_rounds(town, ROUNDS))

    assert few == many
