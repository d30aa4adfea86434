"""Reads of the archive inspections: the on-site list and a village's status over rounds."""

from dataclasses import dataclass

from django.db.models import QuerySet

from saohei.common.search import People, SearchFields, apply_search
from saohei.inspections.documents import OnsiteList
from saohei.inspections.models import ArchiveFolder, Finding, InspectionRound, Result
from saohei.organisations.models import Unit


def onsite_list(inspection: InspectionRound, village: Unit) -> OnsiteList:
    findings = list(
        inspection.findings.filter(village=village)
        .exclude(result=Result.PASSED)
        .select_related("folder", "rectification_item")
        .order_by("folder__sort_order", "id")
    )
    return OnsiteList(inspection=inspection, village=village, findings=findings)


def list_folders_to_record(inspection: InspectionRound, village: Unit) -> list[ArchiveFolder]:
    """The active folders of the checklist with no result yet for this village in this round."""
    recorded = inspection.findings.filter(village=village).values("folder_id")
    return list(ArchiveFolder.objects.filter(is_active=True).exclude(pk__in=recorded))


@dataclass
class RoundStatus:
    inspection: InspectionRound
    # Folder name → result label ("" when that folder was not inspected in the round).
    results: list[str]
    problems: int


def village_status(village: Unit) -> tuple[list[ArchiveFolder], list[RoundStatus]]:
    """Every round that covered the village, with the result per folder (three queries)."""
    folders = list(ArchiveFolder.objects.filter(is_active=True))
    rounds = list(InspectionRound.objects.filter(villages=village).order_by("-inspected_on", "-id"))
    found: dict[int, dict[int, Finding]] = {}
    for finding in Finding.objects.filter(village=village, round__in=rounds):
        found.setdefault(finding.round_id, {})[finding.folder_id] = finding
    rows = []
    for inspection in rounds:
        by_folder = found.get(inspection.pk, {})
        results = [
            by_folder[folder.pk].get_result_display() if folder.pk in by_folder else ""
            for folder in folders
        ]
        problems = sum(1 for finding in by_folder.values() if finding.result != Result.PASSED)
        rows.append(RoundStatus(inspection=inspection, results=results, problems=problems))
    return folders, rows


ROUND_SEARCH = SearchFields(
    text=("title", "deployed_by"),
    people=(
        People(InspectionRound.villages.through, "inspectionround_id", ("unit__name",)),
        People(InspectionRound.inspectors.through, "inspectionround_id", ("user__real_name",)),
    ),
)


def search_rounds(rounds: QuerySet[InspectionRound], text: str) -> QuerySet[InspectionRound]:
    return apply_search(rounds, text, ROUND_SEARCH)
