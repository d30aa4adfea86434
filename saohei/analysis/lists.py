"""The lists a clerk starts from (issue 12, decision 0031): 重点人员 and 同案人员.

Both read only the appearances the viewer may see (`access.visible_appearances`), as
perpetrators, within a window of dates and the viewer's towns, and are computed set-wise: one
GROUP BY for the ranking, one self-join by incident for the pairs. Perpetrators come from police
cases (a lead's subjects and a tip's persons are 被举报人, never perpetrators), so the towns whose
cases the viewer sees bound the scan; with the window they let the (unit, occurred_on) index
serve every page, whatever else the database holds.

Names, villages and masked ID numbers are taken from the visible appearances too: a person's
own row may carry the name or village of a record in another town.
"""

import base64
import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models
from django.db.models import Exists, Max, Min, OuterRef, When
from django.db.models.lookups import Exact
from django.urls import reverse

from saohei.analysis.access import visible_appearances
from saohei.analysis.models import RINGLEADER_ROLES, Appearance, IncidentKind
from saohei.analysis.union_find import UnionFind
from saohei.cases.access import case_towns, visible_cases
from saohei.cases.models import Nature
from saohei.common.validation import parse_id
from saohei.leads.access import visible_leads
from saohei.organisations.models import User

PAGE_SIZE = 50
# The default window of both lists: the last three years.
DEFAULT_WINDOW_YEARS = 3
DEFAULT_MIN_TOGETHER = 2
# A group (persons linked through qualifying pairs) is shown from this many members: a pair is
# already a row of its own.
MIN_GROUP_MEMBERS = 3
# Rows read from the database at a time when a ledger is written.
EXPORT_CHUNK = 1_000


@dataclass(frozen=True)
class ListFilters:
    date_from: datetime.date
    date_to: datetime.date
    town_id: int | None = None
    village_id: int | None = None
    nature: str = ""
    offence: str = ""
    min_together: int = DEFAULT_MIN_TOGETHER

    def as_details(self) -> dict[str, Any]:
        """The filters as the audit log keeps them."""
        details: dict[str, Any] = {
            "date_from": self.date_from.isoformat(),
            "date_to": self.date_to.isoformat(),
        }
        for name in ("town_id", "village_id", "nature", "offence"):
            if value := getattr(self, name):
                details[name] = value
        return details


def default_window(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The last three years up to today (29 February falls back to the 28th)."""
    try:
        start = today.replace(year=today.year - DEFAULT_WINDOW_YEARS)
    except ValueError:
        start = today.replace(year=today.year - DEFAULT_WINDOW_YEARS, day=28)
    return start, today


def perpetrator_appearances(user: User, filters: ListFilters) -> "models.QuerySet[Appearance]":
    """The viewer's visible perpetrator appearances in the window, towns and filters."""
    towns = case_towns(user)
    if filters.town_id:
        towns = towns.filter(pk=filters.town_id)
    # The window drives the query through the (unit, occurred_on) index; visibility is checked
    # on each of its rows. Filtered directly, the OR of `visible_appearances` makes SQLite read
    # every appearance of every visible incident of all years (decision 0031).
    rows = Appearance.objects.filter(
        Exists(visible_appearances(user).filter(pk=OuterRef("pk"))),
        unit__in=towns,
        occurred_on__gte=filters.date_from,
        occurred_on__lte=filters.date_to,
        is_perpetrator=True,
        person__isnull=False,
    )
    if filters.village_id:
        rows = rows.filter(village_id=filters.village_id)
    if filters.nature:
        rows = rows.filter(nature=filters.nature)
    if filters.offence:
        # 案由 is a police case's: with an offence chosen, only cases count.
        # Checked inside the row's own subquery, as visibility is: as conditions on the row,
        # SQLite walked every case appearance, or every case of that cause, of all years.
        rows = rows.filter(
            Exists(
                visible_cases(user).filter(
                    Exact(OuterRef("incident_kind"), IncidentKind.CASE),
                    pk=OuterRef("incident_id"),
                    cause__contains=filters.offence,
                )
            )
        )
    return rows.order_by()


def _per_incident(rows: "models.QuerySet[Appearance]") -> "models.QuerySet[Any]":
    """One row per person and incident (a person listed twice in one case counts once)."""
    return rows.values("person_id", "incident_kind", "incident_id").annotate(
        day=Min("occurred_on"),
        criminal=Max(models.Case(When(nature=Nature.CRIMINAL, then=1), default=0)),
        ringleader=Max(models.Case(When(role__in=sorted(RINGLEADER_ROLES), then=1), default=0)),
    )


def _rows(sql: str, params: Iterable[Any]) -> Iterator[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        while chunk := cursor.fetchmany(EXPORT_CHUNK):
            yield from chunk


def _as_date(value: Any) -> datetime.date:
    # SQLite returns a raw query's dates as text, PostgreSQL as dates.
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)


def of_persons(
    rows: "models.QuerySet[Appearance]", person_ids: Iterable[int]
) -> "models.QuerySet[Appearance]":
    """`rows` of these persons only: their own appearances, found by the person index, each
    checked against `rows` by its id. Filtered by person, `rows` made SQLite walk the whole
    window or every case of a 案由 (decision 0031)."""
    own = Appearance.objects.filter(person_id__in=list(person_ids)).values_list("pk", flat=True)
    return Appearance.objects.filter(
        Exists(rows.filter(pk=OuterRef("pk"))), pk__in=list(own)
    ).order_by()


# ---------------------------------------------------------------------------------------------
# Who a person is, as the viewer may see them


@dataclass(frozen=True)
class PersonShown:
    person_id: int
    name: str
    village: str = ""
    id_number_masked: str = ""

    @property
    def url(self) -> str:
        return reverse("analysis:person", args=[self.person_id])

    @property
    def chart_url(self) -> str:
        return reverse("analysis:person_chart", args=[self.person_id])


def shown_persons(
    rows: "models.QuerySet[Appearance]", person_ids: Iterable[int] | None = None
) -> dict[int, PersonShown]:
    """Name and village of each person's latest appearance among `rows`, and the latest masked
    ID number given there (never a clear one, never one from a record the viewer cannot see).
    Without `person_ids`, every person among `rows` (one pass, for a ledger)."""
    shown: dict[int, PersonShown] = {}
    masked: dict[int, str] = {}
    if person_ids is not None:
        rows = of_persons(rows, person_ids)
    latest_first = rows.order_by("person_id", "-occurred_on", "-id").values_list(
        "person_id", "name", "village__name", "id_number_masked"
    )
    for person_id, name, village, id_masked in latest_first:
        if person_id not in shown:
            shown[person_id] = PersonShown(person_id, name, village or "")
        if id_masked and person_id not in masked:
            masked[person_id] = id_masked
    return {
        person_id: PersonShown(
            person.person_id, person.name, person.village, masked.get(person_id, "")
        )
        for person_id, person in shown.items()
    }


# ---------------------------------------------------------------------------------------------
# 重点人员: persons ranked by incidents as perpetrator


@dataclass(frozen=True)
class KeyPerson:
    person: PersonShown
    incidents: int
    criminal: int
    as_ringleader: int
    first_on: datetime.date
    last_on: datetime.date


@dataclass(frozen=True)
class KeyPersonPage:
    rows: list[KeyPerson]
    next_cursor: str = ""
    previous_cursor: str = ""


def _ranking_sql(rows: "models.QuerySet[Appearance]") -> tuple[str, list[Any]]:
    sql, params = _per_incident(rows).query.sql_with_params()
    return (
        "SELECT person_id, COUNT(*) AS incidents, SUM(criminal) AS criminal, "
        "SUM(ringleader) AS ringleader, MIN(day) AS first_on, MAX(day) AS last_on "
        f"FROM ({sql}) per_incident GROUP BY person_id",
        list(params),
    )


def encode_rank_cursor(row: tuple[Any, ...]) -> str:
    """A ranking row's place: its incidents, its 刑事 incidents and its person."""
    person_id, incidents, criminal = row[:3]
    raw = f"{incidents}|{criminal}|{person_id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_rank_cursor(cursor: str) -> tuple[int, int, int] | None:
    """None for anything malformed: a tampered cursor shows the first page."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        incidents, criminal, person_id = (int(part) for part in raw.split("|"))
    except (ValueError, UnicodeDecodeError):
        return None
    if not parse_id(person_id) or not 0 <= criminal <= incidents < 2**31:
        return None
    return incidents, criminal, person_id


def _key_persons(
    rows: "models.QuerySet[Appearance]",
    ranked: list[tuple[Any, ...]],
    shown: dict[int, PersonShown] | None = None,
) -> list[KeyPerson]:
    if shown is None:
        shown = shown_persons(rows, [row[0] for row in ranked])
    return [
        KeyPerson(
            person=shown.get(person_id, PersonShown(person_id, "")),
            incidents=incidents,
            criminal=int(criminal or 0),
            as_ringleader=int(ringleader or 0),
            first_on=_as_date(first_on),
            last_on=_as_date(last_on),
        )
        for person_id, incidents, criminal, ringleader, first_on, last_on in ranked
    ]


# Most incidents first, then most 刑事 among them, then by person: as a row value ascending
# (negated counts), so that one comparison places a cursor on both backends.
RANK_ORDER = "-incidents, -criminal, person_id"


def rank_key_persons(
    user: User, filters: ListFilters, *, after: str = "", before: str = "", size: int = PAGE_SIZE
) -> KeyPersonPage:
    """One page of the ranking. Keyset paging on the rank: any page costs one GROUP BY over the
    window, never an offset past the earlier pages."""
    rows = perpetrator_appearances(user, filters)
    ranking, params = _ranking_sql(rows)
    place = f"({RANK_ORDER})"
    backwards = decode_rank_cursor(before) if before else None
    forwards = None if backwards else (decode_rank_cursor(after) if after else None)
    condition, extra, order = "", [], "incidents DESC, criminal DESC, person_id"
    if backwards:
        incidents, criminal, person_id = backwards
        condition, extra = f" WHERE {place} < (%s, %s, %s)", [-incidents, -criminal, person_id]
        order = "incidents, criminal, person_id DESC"
    elif forwards:
        incidents, criminal, person_id = forwards
        condition, extra = f" WHERE {place} > (%s, %s, %s)", [-incidents, -criminal, person_id]
    sql = f"SELECT * FROM ({ranking}) r{condition} ORDER BY {order} LIMIT %s"
    fetched = list(_rows(sql, [*params, *extra, size + 1]))
    page = fetched[:size]
    if backwards:
        page.reverse()
        has_before, has_after = len(fetched) > size, True
    else:
        has_before, has_after = bool(forwards), len(fetched) > size
    return KeyPersonPage(
        rows=_key_persons(rows, page),
        next_cursor=encode_rank_cursor(page[-1]) if page and has_after else "",
        previous_cursor=encode_rank_cursor(page[0]) if page and has_before else "",
    )


def all_key_persons(user: User, filters: ListFilters) -> Iterator[KeyPerson]:
    """The whole ranking, for the ledger; every person named in one pass over the window."""
    rows = perpetrator_appearances(user, filters)
    ranking, params = _ranking_sql(rows)
    sql = f"SELECT * FROM ({ranking}) r ORDER BY incidents DESC, criminal DESC, person_id"
    shown = shown_persons(rows)
    chunk: list[tuple[Any, ...]] = []
    for row in _rows(sql, params):
        chunk.append(row)
        if len(chunk) == EXPORT_CHUNK:
            yield from _key_persons(rows, chunk, shown)
            chunk = []
    yield from _key_persons(rows, chunk, shown)


# ---------------------------------------------------------------------------------------------
# 同案人员: pairs who offended together, and the groups they form


@dataclass(frozen=True)
class Incident:
    kind: str
    incident_id: int
    occurred_on: datetime.date
    label: str
    url: str
    is_criminal: bool


@dataclass(frozen=True)
class Pair:
    first: PersonShown
    second: PersonShown
    together: int
    criminal: int
    first_on: datetime.date
    last_on: datetime.date
    incidents: list[Incident] = field(default_factory=list)


@dataclass(frozen=True)
class Group:
    members: list[PersonShown]
    incidents: int
    criminal: int
    first_on: datetime.date
    last_on: datetime.date


@dataclass(frozen=True)
class CoOffenders:
    pairs: list[Pair]
    groups: list[Group]
    total_pairs: int
    next_cursor: str = ""
    previous_cursor: str = ""


def _pair_rows(rows: "models.QuerySet[Appearance]", min_together: int) -> list[tuple[Any, ...]]:
    """Every pair of persons perpetrators together in at least `min_together` incidents, by one
    self-join of the per-incident rows on the incident."""
    sql, params = _per_incident(rows).query.sql_with_params()
    pairs = (
        f"WITH joint AS ({sql}) "
        "SELECT a.person_id, b.person_id, COUNT(*) AS together, SUM(a.criminal), "
        "MIN(a.day), MAX(a.day) FROM joint a JOIN joint b "
        "ON b.incident_kind = a.incident_kind AND b.incident_id = a.incident_id "
        "AND b.person_id > a.person_id "
        "GROUP BY a.person_id, b.person_id HAVING COUNT(*) >= %s "
        "ORDER BY together DESC, a.person_id, b.person_id"
    )
    return list(_rows(pairs, [*params, min_together]))


def _incidents_of(
    user: User, rows: "models.QuerySet[Appearance]", person_ids: set[int]
) -> tuple[dict[int, set[tuple[str, int]]], dict[tuple[str, int], Incident]]:
    """For each person, the incidents among `rows`; and each incident's label and link (case
    and lead numbers read through the contexts' own visibility)."""
    by_person: dict[int, set[tuple[str, int]]] = defaultdict(set)
    days: dict[tuple[str, int], tuple[datetime.date, bool]] = {}
    for person_id, kind, incident_id, day, nature in of_persons(rows, person_ids).values_list(
        "person_id", "incident_kind", "incident_id", "occurred_on", "nature"
    ):
        by_person[person_id].add((kind, incident_id))
        days[(kind, incident_id)] = (day, nature == Nature.CRIMINAL)
    numbers: dict[tuple[str, int], str] = {}
    case_ids = [pk for kind, pk in days if kind == IncidentKind.CASE]
    lead_ids = [pk for kind, pk in days if kind == IncidentKind.LEAD]
    for pk, number in visible_cases(user).filter(pk__in=case_ids).values_list("pk", "number"):
        numbers[(IncidentKind.CASE, pk)] = f"案件 {number}"
    for pk, number in visible_leads(user).filter(pk__in=lead_ids).values_list("pk", "number"):
        numbers[(IncidentKind.LEAD, pk)] = f"线索 {number}"
    url_names = {
        IncidentKind.CASE: "cases:detail",
        IncidentKind.LEAD: "leads:detail",
        IncidentKind.TIP: "tips:detail",
    }
    incidents = {
        key: Incident(
            kind=key[0],
            incident_id=key[1],
            occurred_on=day,
            label=numbers.get(key, IncidentKind(key[0]).label),
            url=reverse(url_names[IncidentKind(key[0])], args=[key[1]]),
            is_criminal=is_criminal,
        )
        for key, (day, is_criminal) in days.items()
    }
    return by_person, incidents


def _groups(pairs: list[tuple[Any, ...]]) -> list[set[int]]:
    """Persons connected through qualifying pairs (union–find), the larger groups first."""
    persons: UnionFind[int] = UnionFind()
    for first, second, *_ in pairs:
        persons.union(first, second)
    groups = [members for members in persons.sets() if len(members) >= MIN_GROUP_MEMBERS]
    return sorted(groups, key=lambda members: (-len(members), min(members)))


def _group(
    members: set[int],
    shown: dict[int, PersonShown],
    by_person: dict[int, set[tuple[str, int]]],
    incidents: dict[tuple[str, int], Incident],
) -> Group:
    """A group's incidents: those in which two or more of its members offended together."""
    present: dict[tuple[str, int], int] = defaultdict(int)
    for person_id in members:
        for key in by_person.get(person_id, ()):
            present[key] += 1
    joint = [key for key, count in present.items() if count >= 2]
    days = [incidents[key].occurred_on for key in joint]
    return Group(
        members=sorted(
            (shown.get(pk, PersonShown(pk, "")) for pk in members),
            key=lambda person: (person.name, person.person_id),
        ),
        incidents=len(joint),
        criminal=sum(1 for key in joint if incidents[key].is_criminal),
        first_on=min(days),
        last_on=max(days),
    )


def find_co_offenders(
    user: User,
    filters: ListFilters,
    *,
    after: str = "",
    before: str = "",
    size: int | None = PAGE_SIZE,
) -> CoOffenders:
    """Pairs perpetrators together in at least `filters.min_together` incidents (a page of them,
    or all with `size=None`), with their shared incidents, and the groups the pairs form."""
    rows = perpetrator_appearances(user, filters)
    pairs = _pair_rows(rows, filters.min_together)
    # The pairs are all read for the groups anyway: a page is a slice, its cursor an offset.
    start = 0
    if size is not None:
        if before and (offset := parse_id(before)):
            start = max(0, min(offset, len(pairs)) - size)
        elif after and (offset := parse_id(after)):
            start = min(offset, len(pairs))
    end = len(pairs) if size is None else start + size
    page = pairs[start:end]
    groups = _groups(pairs)
    wanted = {pk for row in page for pk in row[:2]} | {pk for group in groups for pk in group}
    shown = shown_persons(rows, wanted)
    by_person, incidents = _incidents_of(user, rows, wanted)
    return CoOffenders(
        pairs=[
            Pair(
                first=shown.get(first, PersonShown(first, "")),
                second=shown.get(second, PersonShown(second, "")),
                together=together,
                criminal=int(criminal_count or 0),
                first_on=_as_date(first_on),
                last_on=_as_date(last_on),
                incidents=sorted(
                    (incidents[key] for key in by_person[first] & by_person[second]),
                    key=lambda incident: (incident.occurred_on, incident.incident_id),
                ),
            )
            for first, second, together, criminal_count, first_on, last_on in page
        ],
        groups=[_group(members, shown, by_person, incidents) for members in groups],
        total_pairs=len(pairs),
        next_cursor=str(end) if size is not None and end < len(pairs) else "",
        previous_cursor=str(start) if size is not None and start > 0 else "",
    )
