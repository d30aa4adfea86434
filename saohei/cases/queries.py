"""Reads of cases and imports, always starting from `access.visible_cases` / `case_towns`."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Prefetch

from saohei.cases.access import case_towns, visible_cases
from saohei.cases.models import Case, CasePerson, CaseQuerySet, ImportJob
from saohei.common.paging import keyset_page
from saohei.common.search import People, SearchFields, apply_search
from saohei.organisations.models import Unit, UnitQuerySet, User

PAGE_SIZE = 50
COUNT_CAP = 1000
RECENT_IMPORTS = 10
# The year filter's range, for the list page and the API alike.
EARLIEST_CASE_YEAR = 1950
LATEST_CASE_YEAR = 2100


@dataclass(frozen=True)
class CaseFilters:
    village_id: int | None = None
    nature: str = ""
    reviewed: str = ""  # "yes" | "no" | ""
    year: int | None = None
    text: str = ""


def filter_cases(user: User, filters: CaseFilters) -> CaseQuerySet:
    cases = visible_cases(user)
    if filters.village_id:
        cases = cases.filter(village_id=filters.village_id)
    if filters.nature:
        cases = cases.filter(nature=filters.nature)
    if filters.reviewed == "yes":
        cases = cases.reviewed()
    elif filters.reviewed == "no":
        cases = cases.unreviewed()
    if filters.year:
        # A date range, not __year: the (unit, occurred_on, id) index serves it.
        cases = cases.filter(
            occurred_on__gte=date(filters.year, 1, 1), occurred_on__lte=date(filters.year, 12, 31)
        )
    return apply_search(cases, filters.text, SEARCH_FIELDS)


# A case's persons by name, plate, ID number or mobile, as a lead's subjects are found.
SEARCH_FIELDS = SearchFields(
    text=("cause", "place", "summary"),
    codes=("number",),
    people=(People(CasePerson, "case_id", ("name",), sealed=True, codes=("plates__number",)),),
)


def villages_for(user: User) -> UnitQuerySet:
    return Unit.objects.filter(parent__in=case_towns(user)).villages().order_by("path")


def with_listing_relations(cases: CaseQuerySet) -> CaseQuerySet:
    """What a list row or a ledger row shows, in a fixed number of queries."""
    return cases.select_related("unit", "village", "review", "review__reviewer").prefetch_related(
        Prefetch("persons", queryset=CasePerson.objects.order_by("id").prefetch_related("plates"))
    )


@dataclass(frozen=True)
class CasePage:
    cases: list[Case]
    next_cursor: str
    previous_cursor: str


def page_of_cases(
    cases: CaseQuerySet, *, after: str = "", before: str = "", size: int = PAGE_SIZE
) -> CasePage:
    """Keyset paging on (occurred_on, id), newest first: any page costs what the first does."""
    page = keyset_page(
        with_listing_relations(cases),
        field="occurred_on",
        parse=date.fromisoformat,
        after=after,
        before=before,
        size=size,
    )
    return CasePage(
        cases=page.rows, next_cursor=page.next_cursor, previous_cursor=page.previous_cursor
    )


def capped_count(cases: CaseQuerySet) -> str:
    """Never COUNT(*) a large table for a list header: count up to a cap."""
    count = cases.order_by().values("pk")[: COUNT_CAP + 1].count()
    return f"{COUNT_CAP}+" if count > COUNT_CAP else str(count)


@dataclass(frozen=True)
class ReviewProgress:
    town: str
    total: int
    reviewed: int

    @property
    def is_complete(self) -> bool:
        return self.total > 0 and self.reviewed == self.total


def review_progress(user: User) -> list[ReviewProgress]:
    """Per town: how many cases there are and how many have been reviewed (one query)."""
    rows = (
        visible_cases(user)
        .order_by()
        .values("unit__name", "unit__path")
        .annotate(total=Count("id"), reviewed=Count("review"))
        .order_by("unit__path")
    )
    return [
        ReviewProgress(town=row["unit__name"], total=row["total"], reviewed=row["reviewed"])
        for row in rows
    ]


def recent_import_jobs(user: User) -> list[ImportJob]:
    return list(
        ImportJob.objects.filter(unit__in=case_towns(user)).select_related("unit", "created_by")[
            :RECENT_IMPORTS
        ]
    )


def last_import_sender(user: User) -> str:
    """The 来文单位 of the user's own last import that named one: the upload form starts on it,
    since the saved value mapping is found by that exact name."""
    return (
        ImportJob.objects.filter(unit__in=case_towns(user), created_by=user)
        .exclude(sender="")
        .values_list("sender", flat=True)
        .first()
        or ""
    )


def other_cases_of_persons(case: Case) -> dict[int, list[Case]]:
    """For each person of the case: the town's other cases with the same ID number (found by
    blind index) — recurring members are what 恶势力 is made of (DOMAIN.md §3.1)."""
    persons = [person for person in case.persons.all() if person.id_number_index]
    indexes = {person.id_number_index for person in persons}
    if not indexes:
        return {}
    matches = (
        CasePerson.objects.filter(id_number_index__in=indexes, case__unit_id=case.unit_id)
        .exclude(case_id=case.pk)
        .select_related("case")
        .order_by("case__occurred_on")
    )
    by_index: dict[str, dict[int, Case]] = {}
    for match in matches:
        by_index.setdefault(match.id_number_index, {})[match.case_id] = match.case
    return {
        person.pk: list(by_index.get(person.id_number_index, {}).values()) for person in persons
    }
