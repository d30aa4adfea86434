"""Reads for the analysis pages, always through `access`: a person as the viewer may see them
(only their appearances in records the viewer may open), person search, "also appears in", the
office's review lists, and the 研判提示."""

import datetime
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db import models
from django.db.models import Count, Q, QuerySet, TextChoices
from django.urls import reverse

from saohei.analysis.access import among_visible, visible_incidents, visible_prompts
from saohei.analysis.models import (
    Appearance,
    IdentifierExclusion,
    IdentifierKind,
    IncidentKind,
    MergeRule,
    Person,
    PersonIdentifier,
    Prompt,
    PromptLevel,
    PromptStatus,
    SamePersonSuggestion,
    SharedIdentifier,
    SplitRule,
    SuggestionStatus,
)
from saohei.cases.models import Case, CasePerson, CasePersonPlate, Means, Motive, Nature
from saohei.common.errors import ServiceError
from saohei.common.models import SealedIdentity
from saohei.common.paging import KeysetPage, keyset_page
from saohei.common.phones import clean_phone, is_fixed_line, mask_phone
from saohei.common.pii import blind_index, clean_id_number, clean_mobile, suffix_index
from saohei.common.plates import PROVINCES, normalise_plate, plate_problem
from saohei.common.roles import Role
from saohei.leads import access as lead_access
from saohei.leads.models import Lead, Subject, SubjectPlate
from saohei.organisations.access import grant_paths, units_within
from saohei.organisations.models import Unit, UnitKind, User
from saohei.organisations.queries import OFFICE_ROLES, is_office_member

# A person page lists at most this many appearances (newest first); beyond it the page says so.
APPEARANCES_SHOWN = 500

# "also appears in": the other appearances read per record, and the incidents shown per person.
RELATED_READ = 1_000
RELATED_SHOWN = 10

# A search never reads more candidate rows than this (a surname alone may match more).
CANDIDATES_READ = 2_000

# The longest search text (a name, an ID number, a mobile or a plate, masked or not).
MAX_QUERY_LENGTH = 50

# ---------------------------------------------------------------------------------------------
# Incidents as links


def person_url(person_id: int) -> str:
    return reverse("analysis:person", args=[person_id])


def incident_url(kind: str, incident_id: int) -> str:
    if kind == IncidentKind.CASE:
        return reverse("cases:detail", args=[incident_id])
    return reverse("leads:detail", args=[incident_id])


@dataclass(frozen=True)
class Incident:
    kind: str
    incident_id: int
    label: str
    url: str


def incident_labels(pairs: Iterable[tuple[str, int]]) -> dict[tuple[str, int], Incident]:
    """Number and link of each (kind, id) incident: one query per kind, only for those asked."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for kind, incident_id in pairs:
        wanted[kind].add(incident_id)
    found: dict[tuple[str, int], Incident] = {}
    for pk, number in Case.objects.filter(pk__in=wanted[IncidentKind.CASE]).values_list(
        "pk", "number"
    ):
        found[(IncidentKind.CASE, pk)] = Incident(
            IncidentKind.CASE, pk, f"案件 {number}", reverse("cases:detail", args=[pk])
        )
    for pk, number in Lead.objects.filter(pk__in=wanted[IncidentKind.LEAD]).values_list(
        "pk", "number"
    ):
        found[(IncidentKind.LEAD, pk)] = Incident(
            IncidentKind.LEAD, pk, f"线索 {number}", reverse("leads:detail", args=[pk])
        )
    for pk in wanted[IncidentKind.TIP]:
        # The tip's own label (`Tip.__str__`): its internal number only, never the receipt.
        found[(IncidentKind.TIP, pk)] = Incident(
            IncidentKind.TIP, pk, f"网络举报 #{pk}", reverse("tips:detail", args=[pk])
        )
    return found


# ---------------------------------------------------------------------------------------------
# A person as the viewer may see them


@dataclass(frozen=True)
class AppearanceRow:
    appearance: Appearance
    incident: Incident
    is_split: bool

    # The incident's 刑事/治安, 手段 and 起因 in words ("" on leads and tips, which have none).
    @property
    def nature(self) -> str:
        return _label(Nature, self.appearance.nature)

    @property
    def means(self) -> str:
        return _label(Means, self.appearance.means)

    @property
    def motive(self) -> str:
        return _label(Motive, self.appearance.motive)


def _label(choices: type[TextChoices], value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


@dataclass(frozen=True)
class IdentifierRow:
    kind_label: str
    masked: str
    count: int
    # Where the full value may be revealed: a lead subject whose lead's rules allow it.
    reveal_lead_id: int | None = None
    reveal_subject_id: int | None = None


@dataclass(frozen=True)
class CoPerson:
    person_id: int
    name: str
    incidents: int


@dataclass
class PersonView:
    person: Person
    name: str
    aliases: list[str]
    village: Unit | None
    appearances: list[AppearanceRow]
    truncated: bool
    identifiers: list[IdentifierRow]
    co_persons: list[CoPerson]
    merges: list[MergeRule] = field(default_factory=list)
    split: SplitRule | None = None


def person_view(user: User, person: Person) -> PersonView | None:
    """What this user may see of the person; None when none of their appearances is visible."""
    fetched = list(
        Appearance.objects.filter(person=person)
        .select_related("village")
        .order_by("-occurred_on", "-id")[: APPEARANCES_SHOWN + 1]
    )
    truncated = len(fetched) > APPEARANCES_SHOWN
    rows = among_visible(user, fetched[:APPEARANCES_SHOWN])
    if not rows:
        return None
    incidents = incident_labels((row.incident_kind, row.incident_id) for row in rows)
    active_splits = {
        (rule.incident_kind, rule.source_id): rule
        for rule in SplitRule.objects.filter(
            undone_at__isnull=True,
            incident_kind__in={row.incident_kind for row in rows},
            source_id__in={row.source_id for row in rows},
        )
    }
    aliases: list[str] = []
    for row in reversed(rows):  # oldest first, as the registry gathers them
        for alias in row.alias.split("、"):
            if alias and alias not in aliases:
                aliases.append(alias)
    latest = rows[0]
    view = PersonView(
        person=person,
        name=latest.name,
        aliases=aliases,
        village=latest.village,
        appearances=[
            AppearanceRow(
                row,
                incidents[(row.incident_kind, row.incident_id)],
                (row.incident_kind, row.source_id) in active_splits,
            )
            for row in rows
        ],
        truncated=truncated,
        identifiers=_identifiers(user, rows),
        co_persons=_co_persons(person, rows),
        merges=list(
            MergeRule.objects.filter(undone_at__isnull=True).filter(
                Q(first_key__in={row.identity_key for row in rows})
                | Q(second_key__in={row.identity_key for row in rows})
            )
        ),
    )
    if len(rows) == 1 and len(fetched) == 1:
        view.split = active_splits.get((latest.incident_kind, latest.source_id))
    return view


def _identifiers(user: User, rows: list[Appearance]) -> list[IdentifierRow]:
    """ID numbers and mobiles (masked) and plates given in the visible appearances only."""
    revealable = _revealable_subjects(user, rows)
    found: list[IdentifierRow] = []
    for label, index_field, masked_field in (
        ("身份证号", "id_number_index", "id_number_masked"),
        ("手机号", "phone_index", "phone_masked"),
    ):
        counts: dict[str, int] = defaultdict(int)
        masked: dict[str, str] = {}
        reveal: dict[str, tuple[int, int]] = {}
        for row in rows:
            index = getattr(row, index_field)
            if not index:
                continue
            counts[index] += 1
            masked[index] = getattr(row, masked_field)
            if row.incident_kind == IncidentKind.LEAD and row.source_id in revealable:
                reveal.setdefault(index, (row.incident_id, row.source_id))
        for index, count in counts.items():
            lead_id, subject_id = reveal.get(index, (None, None))
            found.append(IdentifierRow(label, masked[index], count, lead_id, subject_id))
    case_sources = [row.source_id for row in rows if row.incident_kind == IncidentKind.CASE]
    lead_sources = [row.source_id for row in rows if row.incident_kind == IncidentKind.LEAD]
    plates: dict[str, int] = defaultdict(int)
    for number in CasePersonPlate.objects.filter(person_id__in=case_sources).values_list(
        "number", flat=True
    ):
        plates[number] += 1
    for number in SubjectPlate.objects.filter(subject_id__in=lead_sources).values_list(
        "number", flat=True
    ):
        plates[number] += 1
    found.extend(IdentifierRow("车牌号", number, count) for number, count in sorted(plates.items()))
    return found


def _revealable_subjects(user: User, rows: list[Appearance]) -> set[int]:
    """Subjects of visible leads whose full identifiers this user may see by the leads' rule
    (`can_see_full_identifiers`); cases show masked identifiers only, so none of theirs."""
    lead_ids = {row.incident_id for row in rows if row.incident_kind == IncidentKind.LEAD}
    if not lead_ids:
        return set()
    allowed = {
        lead.pk
        for lead in Lead.objects.filter(pk__in=lead_ids).select_related("unit", "police_unit")
        if lead_access.can_see_full_identifiers(user, lead)
    }
    return {
        row.source_id
        for row in rows
        if row.incident_kind == IncidentKind.LEAD and row.incident_id in allowed
    }


def _co_persons(person: Person, rows: list[Appearance]) -> list[CoPerson]:
    """Persons named in the same visible incidents, with how many incidents they share."""
    by_kind: dict[str, set[int]] = defaultdict(set)
    for row in rows:
        by_kind[row.incident_kind].add(row.incident_id)
    condition = reduce(
        or_, (Q(incident_kind=kind, incident_id__in=ids) for kind, ids in by_kind.items())
    )
    shared: dict[int, set[tuple[str, int]]] = defaultdict(set)
    names: dict[int, str] = {}
    for person_id, kind, incident_id, name in (
        Appearance.objects.filter(condition, person__isnull=False)
        .exclude(person=person)
        .order_by("occurred_on", "id")
        .values_list("person_id", "incident_kind", "incident_id", "name")
    ):
        shared[person_id].add((kind, incident_id))
        names[person_id] = name  # the latest name under which they appear beside this person
    return sorted(
        (CoPerson(pk, names[pk], len(incidents)) for pk, incidents in shared.items()),
        key=lambda co: (-co.incidents, co.name, co.person_id),
    )


def sealed_source(appearance: Appearance) -> SealedIdentity | None:
    """The case person or lead subject an appearance was read from (its sealed identifiers)."""
    if appearance.incident_kind == IncidentKind.CASE:
        return CasePerson.objects.filter(pk=appearance.source_id).first()
    if appearance.incident_kind == IncidentKind.LEAD:
        return Subject.objects.filter(pk=appearance.source_id).first()
    return None


# ---------------------------------------------------------------------------------------------
# Person search


@dataclass(frozen=True)
class PersonQuery:
    """What was typed, understood: `kind` is one of the `_by_*` matchers below."""

    kind: str
    shown: str  # how the query may be printed back: identifiers masked
    value: str = ""
    masked: str = ""


_MASKED_ID = re.compile(r"^(\d{6})\*{4,8}([\dX]{4})$")

_MASKED_MOBILE = re.compile(r"^(1\d{2})\*{4}(\d{4})$")

_LAST_FOUR = re.compile(r"^\**([\dX]{4})$")

_NAME = re.compile(r"^[\u3400-\u9fff·•]{1,20}$")

UNRECOGNISED = (
    "无法识别查询内容：请输入姓名（可只输入开头几个字）、完整身份证号、"
    "脱敏身份证号（如 370982********1234）或后四位、完整手机号（或如 139****1234）或固定电话（如 0631-1234567）、车牌号"
)


def parse_person_query(text: str) -> PersonQuery | None:
    """The query understood, None when blank; a ServiceError (Chinese) for what is not a name,
    an ID number, a mobile, a plate, a masked form or a last four."""
    if len(text) > MAX_QUERY_LENGTH:
        raise ServiceError(f"查询内容过长：最多 {MAX_QUERY_LENGTH} 个字", field="q")
    folded = unicodedata.normalize("NFKC", text).strip()
    if not folded:
        return None
    compact = re.sub(r"[\s\-()（）]", "", folded).upper()
    if compact.startswith("+86"):
        compact = compact[3:]
    if re.fullmatch(r"\d{14}[\dX]|\d{17}[\dX]", compact):
        number = clean_id_number(compact)
        return PersonQuery("id_number", _mask(number, 6), blind_index("id_number", number))
    if is_fixed_line(compact):
        # As the case import keeps a fixed line: 0631-1234567 is 06311234567.
        phone = clean_phone(compact)
        return PersonQuery("phone", mask_phone(phone), blind_index("phone", phone))
    if re.fullmatch(r"\d{11}", compact):
        phone = clean_mobile(compact)
        return PersonQuery("phone", _mask(phone, 3), blind_index("phone", phone))
    if match := _MASKED_ID.match(compact):
        masked = f"{match[1]}{'*' * 8}{match[2]}"
        return PersonQuery("id_masked", masked, suffix_index("id_number", match[2]), masked)
    if match := _MASKED_MOBILE.match(compact):
        masked = f"{match[1]}****{match[2]}"
        return PersonQuery("phone_masked", masked, suffix_index("phone", match[2]), masked)
    if match := _LAST_FOUR.match(compact):
        return PersonQuery("last_four", f"后四位 {match[1]}", match[1])
    if compact.isdigit() or re.fullmatch(r"[\d*X]+", compact):
        raise ServiceError(
            "号码位数不对：身份证号应为18位（或15位旧号），手机号应为11位；"
            "只记得部分号码时，请输入脱敏形式或后四位",
            field="q",
        )
    plate = normalise_plate(folded)
    if plate[:1] in PROVINCES and re.search(r"\d", plate):
        if problem := plate_problem(plate):
            raise ServiceError(problem, field="q")
        return PersonQuery("plate", plate, plate)
    if _NAME.match(compact):
        return PersonQuery("name", compact, compact)
    raise ServiceError(UNRECOGNISED, field="q")


def _mask(value: str, head: int) -> str:
    return value[:head] + "*" * (len(value) - head - 4) + value[-4:]


@dataclass(frozen=True)
class SearchResult:
    page: KeysetPage[Person]
    # More appearances matched than are read (a surname alone): the list is not complete.
    truncated: bool


def search_persons(
    user: User, query: PersonQuery, *, after: str = "", before: str = ""
) -> SearchResult:
    """Persons matching the query through appearances the user may see, most recently seen
    first, by cursor. Candidates are read through the indexes first and their records checked
    for visibility by primary key: the other way round, the database would walk every record
    the user may see (measured: 1.6 s for a name at 100,000 cases on SQLite, decision 0030)."""
    candidates = list(
        _candidates(query).only("id", "incident_kind", "incident_id", "person_id")[
            : CANDIDATES_READ + 1
        ]
    )
    truncated = len(candidates) > CANDIDATES_READ
    visible = among_visible(user, candidates[:CANDIDATES_READ])
    persons = Person.objects.filter(pk__in={row.person_id for row in visible if row.person_id})
    page = keyset_page(
        persons.filter(last_seen__isnull=False),
        field="last_seen",
        parse=datetime.date.fromisoformat,
        after=after,
        before=before,
    )
    return SearchResult(page, truncated)


def _candidates(query: PersonQuery) -> "QuerySet[Appearance]":
    """Appearances holding the identifier (indexed lookups only; a blind index has no prefix,
    so a partial ID number is matched by its keyed last four and its masked form)."""
    rows = Appearance.objects.all()
    if query.kind == "name":
        # Persons by their name (a range on the person's name index: LIKE 'x%' cannot use it on
        # SQLite nor on PostgreSQL under a non-C collation), then their appearances under that
        # name, which the caller checks for visibility: appearances have no name index (the
        # bulk rebuild writes as few indexes as it can), persons do.
        persons = Person.objects.filter(
            name_key__gte=query.value,
            name_key__lt=query.value + "\U0010ffff",
            name_key__startswith=query.value,
        ).values_list("pk", flat=True)[:CANDIDATES_READ]
        return rows.filter(person_id__in=list(persons), name_key__startswith=query.value)
    if query.kind == "id_number":
        return rows.filter(id_number_index=query.value)
    if query.kind == "phone":
        # An appearance holds its row's first number; a police export's second number (decision
        # 0064) is found on the case person's own index.
        return rows.filter(phone_index=query.value) | rows.filter(
            incident_kind=IncidentKind.CASE,
            source_id__in=CasePerson.objects.filter(phone2_index=query.value).values("pk"),
        )
    if query.kind == "plate":
        return rows.filter(
            Q(
                incident_kind=IncidentKind.CASE,
                source_id__in=CasePersonPlate.objects.filter(number=query.value).values(
                    "person_id"
                ),
            )
            | Q(
                incident_kind=IncidentKind.LEAD,
                source_id__in=SubjectPlate.objects.filter(number=query.value).values("subject_id"),
            )
        )
    if query.kind == "id_masked":
        return _by_suffix("id_number", query.value).filter(id_number_masked=query.masked)
    if query.kind == "phone_masked":
        return _by_suffix("phone", query.value).filter(
            phone_masked=query.masked
        ) | _by_second_phone(query.value, masked=query.masked)
    # The last four of an ID number or of a phone (either of a case person's two).
    last_four = suffix_index("phone", query.value)
    return (
        _by_suffix("id_number", suffix_index("id_number", query.value))
        | _by_suffix("phone", last_four)
        | _by_second_phone(last_four)
    )


def _by_second_phone(index: str, *, masked: str = "") -> "QuerySet[Appearance]":
    """Case persons' appearances whose second number ends with the keyed last four (and, given
    `masked`, is masked so)."""
    people = CasePerson.objects.filter(phone2_suffix_index=index)
    if masked:
        people = people.filter(phone2_masked=masked)
    return Appearance.objects.filter(
        incident_kind=IncidentKind.CASE, source_id__in=people.values("pk")
    )


def _by_suffix(kind: str, index: str) -> "QuerySet[Appearance]":
    """Appearances whose source row's ID number (or mobile) ends with the keyed last four."""
    column = f"{kind}_suffix_index"
    return Appearance.objects.filter(
        Q(
            incident_kind=IncidentKind.CASE,
            source_id__in=CasePerson.objects.filter(**{column: index}).values("pk"),
        )
        | Q(
            incident_kind=IncidentKind.LEAD,
            source_id__in=Subject.objects.filter(**{column: index}).values("pk"),
        )
    )


@dataclass(frozen=True)
class PersonRow:
    person: Person
    name: str
    village: Unit | None
    appearances: int
    last_seen: datetime.date


def person_rows(user: User, persons: list[Person]) -> list[PersonRow]:
    """A list's rows, each from the person's visible appearances (name, village, count)."""
    visible = among_visible(
        user,
        Appearance.objects.filter(person__in=persons)
        .select_related("village")
        .order_by("-occurred_on", "-id"),
    )
    by_person: dict[int, list[Appearance]] = defaultdict(list)
    for row in visible:
        by_person[row.person_id or 0].append(row)
    return [
        PersonRow(
            person,
            mine[0].name,
            mine[0].village,
            len(mine),
            mine[0].occurred_on,
        )
        for person in persons
        if (mine := by_person.get(person.pk))
    ]


# ---------------------------------------------------------------------------------------------
# "also appears in"


@dataclass
class RelatedPerson:
    person_id: int
    name: str
    incidents: list[Incident]
    more_visible: int
    hidden: int


def related_for_incident(
    user: User, kind: str, incident_id: int, *, for_registry: bool
) -> list[RelatedPerson]:
    """For each person of this record, the other records they appear in that the user may open.
    `for_registry` (office roles and police): every person of the record is listed (a way to the
    person page) and the records they may not open are counted; for anyone else only persons
    with other visible records, and nothing about hidden ones. A handful of indexed queries whatever
    the size of the registry: the record's appearances, the other appearances of its persons
    (by the person index), one primary-key visibility query per kind and the records' numbers."""
    own = list(
        Appearance.objects.filter(incident_kind=kind, incident_id=incident_id, person__isnull=False)
        .order_by("id")
        .values_list("person_id", "name")
    )
    if not own:
        return []
    names = dict(own)
    others = list(
        Appearance.objects.filter(person_id__in=names)
        .exclude(incident_kind=kind, incident_id=incident_id)
        .order_by("-occurred_on", "-id")
        .values_list("person_id", "incident_kind", "incident_id")[:RELATED_READ]
    )
    visible = visible_incidents(user, ((k, i) for _, k, i in others))
    per_person: dict[int, list[tuple[str, int]]] = defaultdict(list)
    hidden: dict[int, set[tuple[str, int]]] = defaultdict(set)
    for person_id, other_kind, other_id in others:
        pair = (other_kind, other_id)
        if pair in visible:
            if pair not in per_person[person_id]:
                per_person[person_id].append(pair)
        else:
            hidden[person_id].add(pair)
    shown_pairs = [pair for pairs in per_person.values() for pair in pairs[:RELATED_SHOWN]]
    labels = incident_labels(shown_pairs)
    related = []
    for person_id, name in names.items():
        pairs = per_person.get(person_id, [])
        count_hidden = len(hidden.get(person_id, ())) if for_registry else 0
        if not pairs and not for_registry:
            continue
        related.append(
            RelatedPerson(
                person_id=person_id,
                name=name,
                incidents=[labels[pair] for pair in pairs[:RELATED_SHOWN]],
                more_visible=max(0, len(pairs) - RELATED_SHOWN),
                hidden=count_hidden,
            )
        )
    return related


# ---------------------------------------------------------------------------------------------
# The office's review lists


def open_same_person_suggestions(user: User) -> "QuerySet[SamePersonSuggestion]":
    """Open 疑似同一人 suggestions in the villages of the user's office towns (whether the user
    may see both persons is `same_person_pairs`'s)."""
    villages = units_within(grant_paths(user, OFFICE_ROLES))
    return SamePersonSuggestion.objects.filter(
        status=SuggestionStatus.OPEN, village__in=villages
    ).select_related("village")


def same_person_pairs(
    user: User, suggestions: list[SamePersonSuggestion]
) -> list[tuple[SamePersonSuggestion, PersonRow, PersonRow]]:
    """The suggestions whose two persons the user may both see, each person as a list row."""
    keys = {key for s in suggestions for key in (s.first_key, s.second_key)}
    rows = person_rows(user, list(Person.objects.filter(person_key__in=keys)))
    seen = {row.person.person_key: row for row in rows}
    return [
        (s, seen[s.first_key], seen[s.second_key])
        for s in suggestions
        if s.first_key in seen and s.second_key in seen
    ]


def open_same_person_pairs(user: User) -> list[tuple[SamePersonSuggestion, PersonRow, PersonRow]]:
    """The page's list: the newest 200 open suggestions the user may see both persons of."""
    newest = open_same_person_suggestions(user).order_by("-created_at", "-id")[:200]
    return same_person_pairs(user, list(newest))


def exclusion_list() -> "QuerySet[IdentifierExclusion]":
    """The deployment's exclusion list, kept by any town's office (decision 0030)."""
    return IdentifierExclusion.objects.select_related("created_by")


def shared_mobiles_seen(user: User) -> list[tuple[SharedIdentifier, int, bool]]:
    """Over-shared mobiles given in records the user may see: (mobile, records seen, whether
    already on the exclusion list)."""
    shared = list(SharedIdentifier.objects.order_by("-distinct_names", "id")[:500])
    visible = among_visible(
        user,
        Appearance.objects.filter(phone_index__in=[s.value for s in shared]).only(
            "id", "incident_kind", "incident_id", "phone_index"
        ),
    )
    seen: dict[str, int] = defaultdict(int)
    for row in visible:
        seen[row.phone_index] += 1
    excluded = set(
        IdentifierExclusion.objects.filter(value__in=list(seen)).values_list("value", flat=True)
    )
    return [(s, seen[s.value], s.value in excluded) for s in shared if s.value in seen]


# ---------------------------------------------------------------------------------------------
# 研判提示: the lists, the home page cards and the flags API


@dataclass(frozen=True)
class PromptFilters:
    level: str = ""
    status: str = ""
    # The prompts whose cluster no longer meets the criteria are kept as a record, out of sight.
    include_past: bool = False


def filter_prompts(user: User, filters: PromptFilters) -> "models.QuerySet[Prompt]":
    prompts = visible_prompts(user)
    if not filters.include_past:
        prompts = prompts.filter(is_current=True)
    if filters.level in PromptLevel.values:
        prompts = prompts.filter(level=filters.level)
    if filters.status in PromptStatus.values:
        prompts = prompts.filter(status=filters.status)
    return prompts


@dataclass(frozen=True)
class LevelCount:
    level: str
    label: str
    count: int


@dataclass(frozen=True)
class TownCount:
    town: Unit
    counts: list[LevelCount]
    total: int


def open_prompt_levels(user: User) -> list[LevelCount]:
    """The leaders' card: open current prompts they may see, by level (strongest first)."""
    counted = dict(
        visible_prompts(user)
        .filter(is_current=True, status=PromptStatus.OPEN)
        .values_list("level")
        .annotate(n=Count("id"))
        .values_list("level", "n")
    )
    return [
        LevelCount(level, label, counted.get(level, 0))
        for level, label in reversed(PromptLevel.choices)
    ]


def open_prompts_by_town(user: User) -> list[TownCount]:
    """上级督导: counts of open prompts per town below, never the prompts themselves."""
    paths = grant_paths(user, {Role.SUPERVISOR})
    if not paths:
        return []
    towns = list(units_within(paths).filter(kind=UnitKind.TOWN).order_by("path"))
    rows = (
        Prompt.objects.filter(unit__in=towns, is_current=True, status=PromptStatus.OPEN)
        .values_list("unit_id", "level")
        .annotate(n=Count("id"))
    )
    counted: dict[int, dict[str, int]] = {}
    for unit_id, level, n in rows:
        counted.setdefault(unit_id, {})[level] = n
    result = []
    for town in towns:
        levels = counted.get(town.pk, {})
        result.append(
            TownCount(
                town=town,
                counts=[
                    LevelCount(level, label, levels.get(level, 0))
                    for level, label in reversed(PromptLevel.choices)
                ],
                total=sum(levels.values()),
            )
        )
    return result


def may_see_full_id_numbers(user: User, prompt: Prompt) -> bool:
    """Members' ID numbers in full for the office of the prompt's town (each reveal audited);
    masked for everyone else, police included (they see cases, not the leads behind a prompt)."""
    return is_office_member(user, prompt.unit)


def member_id_numbers(person_ids: set[int], *, full: bool) -> dict[int, str]:
    """Each person's ID number: the masked form of the one given most often, or in full the one
    of their latest appearance (unsealed from its source row)."""
    found: dict[int, str] = {}
    if not full:
        for person_id, masked in (
            PersonIdentifier.objects.filter(person_id__in=person_ids, kind=IdentifierKind.ID_NUMBER)
            .order_by("-appearance_count", "id")
            .values_list("person_id", "masked")
        ):
            found.setdefault(person_id, masked)
        return found
    latest = (
        Appearance.objects.filter(person_id__in=person_ids)
        .exclude(id_number_index="")
        .order_by("-occurred_on", "-id")
    )
    for appearance in latest:
        if appearance.person_id is None or appearance.person_id in found:
            continue
        source = sealed_source(appearance)
        if source is not None:
            found[appearance.person_id] = source.unsealed_id_number()
    return found
