"""The link chart (关系图): persons, incidents, phones and plates around a person or a set of
incidents, drawn only from the appearances the viewer may see (decision 0032).

Starting from the seeds (one person, or incidents: a lead, a case, a prompt's incidents), the
chart walks the links two hops out: a person's incidents, phones and plates, then the persons in
those incidents and the persons given the same phone or plate (an incident's persons, then their
other incidents, phones and plates). A phone or plate one hop further is added when it joins two
persons already drawn. Over-shared and excluded identifiers never link (they are counted in a
note). The nearest `limit` nodes are kept, seeds always; the note says when the chart was cut.

The date window (`start`, `end`) bounds every incident except the seeds themselves: a lead's
chart always shows the lead. Phones are shown masked; plates as they are (decision 0027).
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from django.db.models import Q, QuerySet
from django.urls import reverse

from saohei.analysis.access import visible_appearances
from saohei.analysis.models import (
    Appearance,
    AppearanceRole,
    IdentifierExclusion,
    IdentifierKind,
    IncidentKind,
    PendingChange,
    SharedIdentifier,
)
from saohei.cases.access import visible_cases
from saohei.cases.models import Case, CasePersonPlate, Nature
from saohei.common.dates import format_date
from saohei.leads.access import visible_leads
from saohei.leads.models import Lead, SubjectPlate
from saohei.organisations.models import User
from saohei.tips.access import visible_tips
from saohei.tips.models import Tip

DEFAULT_LIMIT = 200
# Seeds and their neighbours are drawn, and the neighbours' neighbours; no further.
HOPS = 2
# Values per IN (...) list: well under SQLite's parameter limit.
CHUNK = 500

T = TypeVar("T")


@dataclass(frozen=True)
class Category:
    key: str
    label: str


# The legend, in its order. A person takes the colour of the weightiest role they have in the
# drawn incidents (ringleader first, witness last); each incident kind, phones and plates
# have their own.
PERSON_CATEGORIES = (
    Category("ringleader", "纠集者/组织者"),
    Category("participant", "参与者"),
    Category("reported", "被反映人/被举报人"),
    Category("victim", "被害人"),
    Category("witness", "证人"),
)
OTHER_CATEGORIES = (
    Category("case", "治安案件"),
    Category("lead", "线索"),
    Category("tip", "群众举报"),
    Category("phone", "手机号"),
    Category("plate", "车牌"),
)
CATEGORIES = PERSON_CATEGORIES + OTHER_CATEGORIES
_ROLE_CATEGORY: dict[str, str] = {
    AppearanceRole.GATHERER: "ringleader",
    AppearanceRole.ORGANISER: "ringleader",
    AppearanceRole.PARTICIPANT: "participant",
    AppearanceRole.REPORTED: "reported",
    AppearanceRole.VICTIM: "victim",
    AppearanceRole.WITNESS: "witness",
}
_CATEGORY_LABELS = {category.key: category.label for category in CATEGORIES}
_WEIGHT = {category.key: rank for rank, category in enumerate(PERSON_CATEGORIES)}
# Within one hop, kept in this order when the chart is cut: incidents before identifiers.
_KIND_ORDER = {"person": 0, "case": 1, "lead": 2, "tip": 3, "phone": 4, "plate": 5}

# A node's identity while building: ("person", person id), (incident kind, incident id),
# ("phone", blind index) or ("plate", number). Blind indexes never leave this module.
Key = tuple[str, int | str]


@dataclass
class Node:
    id: str  # the page's name for it: "person-12", "case-3", "phone-1" (never an identifier)
    kind: str
    category: str
    label: str
    detail: str = ""
    url: str = ""
    chart_url: str = ""
    hops: int = 0
    is_seed: bool = False
    degree: int = 0

    @property
    def category_label(self) -> str:
        return _CATEGORY_LABELS[self.category]


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str
    category: str


@dataclass
class Chart:
    nodes: list[Node]
    edges: list[Edge]
    start: date | None
    end: date | None
    limit: int
    found: int  # nodes found before the cut
    is_cut: bool
    # The walk stopped a hop early, the limit already reached: `found` is a lower bound.
    stopped_early: bool
    hidden_identifiers: int  # over-shared or excluded phones/plates not drawn as links
    is_pending: bool  # a seed incident's links are still being refreshed

    @property
    def notes(self) -> list[str]:
        notes = []
        if self.is_cut:
            more = "以上" if self.stopped_early else ""
            notes.append(
                f"关联较多：共找到 {self.found} 个{more}节点，只显示离起点最近的 {self.limit} 个。"
                "缩短时间范围可查看其余。"
            )
        if self.hidden_identifiers:
            notes.append(
                f"有 {self.hidden_identifiers} 个手机号或车牌为多人共用或已列入排除清单，"
                "不作为关联画出。"
            )
        if self.is_pending:
            notes.append("本记录的人员刚有变动，关联正在后台更新，稍后刷新可见。")
        return notes

    @property
    def link_rows(self) -> list[tuple[Node, str, Node]]:
        """Each link as (person, relation, incident or identifier), for the table."""
        by_id = {node.id: node for node in self.nodes}
        return [(by_id[edge.source], edge.label, by_id[edge.target]) for edge in self.edges]

    def as_data(self) -> dict[str, object]:
        """What the page's script draws (`static/saohei/link_chart.js`)."""
        return {
            "categories": [{"key": c.key, "name": c.label} for c in CATEGORIES],
            "nodes": [
                {
                    "id": node.id,
                    "name": node.label,
                    "detail": node.detail,
                    "category": node.category,
                    "url": node.url,
                    "seed": node.is_seed,
                    "degree": node.degree,
                }
                for node in self.nodes
            ],
            "links": [
                {
                    "source": edge.source,
                    "target": edge.target,
                    "label": edge.label,
                    "category": edge.category,
                }
                for edge in self.edges
            ],
        }


@dataclass(frozen=True)
class _Row:
    """One visible appearance: the links it makes."""

    kind: str
    incident_id: int
    source_id: int
    person_id: int
    role: str
    name: str
    phone_index: str
    phone_masked: str
    occurred_on: date

    @property
    def person(self) -> Key:
        return ("person", self.person_id)

    @property
    def incident(self) -> Key:
        return (self.kind, self.incident_id)


_ROW_FIELDS = (
    "incident_kind",
    "incident_id",
    "source_id",
    "person_id",
    "role",
    "name",
    "phone_index",
    "phone_masked",
    "occurred_on",
)


def _chunks(values: Iterable[T]) -> Iterable[list[T]]:
    items = list(values)
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


@dataclass
class _Builder:
    visible: "QuerySet[Appearance]"
    windowed: "QuerySet[Appearance]"
    # The latest date each incident and person was seen on: the newest first when cut.
    latest: dict[Key, date] = field(default_factory=dict)
    plates: dict[tuple[str, int], set[str]] = field(default_factory=lambda: defaultdict(set))
    blocked: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    checked: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    # 1. Reading appearances (each read also reads the plates of the rows it brings).

    def read(self, queryset: "QuerySet[Appearance]") -> list[_Row]:
        found = []
        for values in queryset.filter(person__isnull=False).values_list(*_ROW_FIELDS):
            row = _Row(*values)
            found.append(row)
            for key in (row.incident, row.person):
                if key not in self.latest or self.latest[key] < row.occurred_on:
                    self.latest[key] = row.occurred_on
        self._read_plates(found)
        # Which of their identifiers may link, asked once for the lot (not once a row).
        self.usable(IdentifierKind.PHONE, {row.phone_index for row in found if row.phone_index})
        plates = {
            number for row in found for number in self.plates.get((row.kind, row.source_id), ())
        }
        self.usable(IdentifierKind.PLATE, plates)
        return found

    def _read_plates(self, rows: list[_Row]) -> None:
        for kind, model, owner in (
            (IncidentKind.CASE, CasePersonPlate, "person_id"),
            (IncidentKind.LEAD, SubjectPlate, "subject_id"),
        ):
            sources = {row.source_id for row in rows if row.kind == kind}
            for chunk in _chunks(sources):
                for source_id, number in model.objects.filter(
                    **{f"{owner}__in": chunk}
                ).values_list(owner, "number"):
                    self.plates[(kind, source_id)].add(number)

    def of_persons(self, person_ids: Iterable[int]) -> list[_Row]:
        return [
            row
            for chunk in _chunks(person_ids)
            for row in self.read(self.windowed.filter(person_id__in=chunk))
        ]

    def in_incidents(self, incidents: Iterable[Key], *, seeds: bool = False) -> list[_Row]:
        queryset = self.visible if seeds else self.windowed
        by_kind: dict[str, list[int]] = defaultdict(list)
        for kind, pk in incidents:
            by_kind[kind].append(int(pk))
        found = []
        for kind, ids in by_kind.items():
            for chunk in _chunks(ids):
                found += self.read(queryset.filter(incident_kind=kind, incident_id__in=chunk))
        return found

    def with_phones(self, indexes: Iterable[str]) -> list[_Row]:
        return [
            row
            for chunk in _chunks(indexes)
            for row in self.read(self.windowed.filter(phone_index__in=chunk))
        ]

    def with_plates(self, numbers: Iterable[str]) -> list[_Row]:
        found = []
        for chunk in _chunks(numbers):
            cases = CasePersonPlate.objects.filter(number__in=chunk).values("person_id")
            subjects = SubjectPlate.objects.filter(number__in=chunk).values("subject_id")
            found += self.read(
                self.windowed.filter(
                    Q(incident_kind=IncidentKind.CASE, source_id__in=cases)
                    | Q(incident_kind=IncidentKind.LEAD, source_id__in=subjects)
                )
            )
        return found

    # 2. Which identifiers may link (over-shared and excluded ones never do).

    def usable(self, kind: str, values: set[str]) -> set[str]:
        unknown = values - self.checked[kind]
        for chunk in _chunks(unknown):
            self.blocked[kind].update(
                SharedIdentifier.objects.filter(kind=kind, value__in=chunk).values_list(
                    "value", flat=True
                )
            )
            self.blocked[kind].update(
                IdentifierExclusion.objects.filter(kind=kind, value__in=chunk).values_list(
                    "value", flat=True
                )
            )
        self.checked[kind] |= unknown
        return values - self.blocked[kind]

    def identifiers_of(self, row: _Row) -> list[Key]:
        """The phone and plates this appearance gives, those that may link."""
        keys: list[Key] = []
        if row.phone_index and self.usable(IdentifierKind.PHONE, {row.phone_index}):
            keys.append(("phone", row.phone_index))
        plates = self.plates.get((row.kind, row.source_id), set())
        keys += [("plate", number) for number in sorted(self.usable(IdentifierKind.PLATE, plates))]
        return keys

    def neighbours(self, rows: list[_Row]) -> dict[Key, set[Key]]:
        """Each node these rows touch → the nodes it is linked to through them."""
        links: dict[Key, set[Key]] = defaultdict(set)
        for row in rows:
            others = [row.incident, *self.identifiers_of(row)]
            for other in others:
                links[row.person].add(other)
                links[other].add(row.person)
        return links


def _expand(builder: _Builder, frontier: set[Key]) -> dict[Key, set[Key]]:
    """The rows that link the frontier's nodes to anything, as node → linked nodes."""
    persons = [int(pk) for kind, pk in frontier if kind == "person"]
    incidents = [key for key in frontier if key[0] in IncidentKind.values]
    phones = [str(value) for kind, value in frontier if kind == "phone"]
    plates = [str(value) for kind, value in frontier if kind == "plate"]
    rows = (
        builder.of_persons(persons)
        + builder.in_incidents(incidents)
        + builder.with_phones(phones)
        + builder.with_plates(plates)
    )
    return builder.neighbours(rows)


def _walk(
    builder: _Builder, seeds: set[Key], seed_rows: list[_Row], limit: int
) -> tuple[dict[Key, int], dict[Key, int], bool]:
    """Breadth first from the seeds: node → hops, node → links to nearer nodes, and whether the
    walk stopped early because the limit was already reached."""
    hops = dict.fromkeys(seeds, 0)
    parents: dict[Key, int] = defaultdict(int)
    links = builder.neighbours(seed_rows)
    frontier = set(seeds)
    for hop in range(1, HOPS + 1):
        if hop > 1:
            links = _expand(builder, frontier)
        reached = set()
        for node in frontier:
            for other in links.get(node, ()):
                if other not in hops or hops[other] == hop:
                    hops.setdefault(other, hop)
                    parents[other] += 1
                    reached.add(other)
        frontier = reached
        if len(hops) >= limit and hop < HOPS:
            return hops, parents, True
    return hops, parents, False


Rank = Callable[[Key], tuple[int, int, int, int, str]]


def _ranking(hops: dict[Key, int], parents: dict[Key, int], latest: dict[Key, date]) -> Rank:
    """Nearest first; then the most linked to nearer nodes, incidents before identifiers, the
    most recently seen first."""

    def rank(key: Key) -> tuple[int, int, int, int, str]:
        seen = latest.get(key)
        recency = -seen.toordinal() if seen else 0
        return (hops[key], -parents[key], _KIND_ORDER[key[0]], recency, str(key[1]))

    return rank


def _keep(hops: dict[Key, int], rank: Rank, limit: int) -> list[Key]:
    """The best-ranked `limit` nodes, seeds always."""
    ranked = sorted(hops, key=rank)
    seeds = [key for key in ranked if hops[key] == 0]
    return seeds + [key for key in ranked if hops[key] > 0][: max(limit - len(seeds), 0)]


def _role_label(row: _Row) -> str:
    if row.role == AppearanceRole.REPORTED:
        return "被反映人" if row.kind == IncidentKind.LEAD else "被举报人"
    return AppearanceRole(row.role).label if row.role in AppearanceRole.values else row.role


def _role_category(role: str) -> str:
    return _ROLE_CATEGORY.get(role, "participant")


def _describe_case(case: Case) -> tuple[str, str]:
    nature = "刑事" if case.nature == Nature.CRIMINAL else "治安"
    return f"{case.cause} {case.number}", f"{format_date(case.occurred_on)} {nature}"


def _describe_lead(lead: Lead) -> tuple[str, str]:
    return f"线索 {lead.number}", f"{format_date(lead.received_at)} {lead.get_status_display()}"


def _describe_tip(tip: Tip) -> tuple[str, str]:
    return f"群众举报 {format_date(tip.submitted_at)}", tip.get_status_display()


# Each kind of incident: who may see it, its label and detail, its page and its chart (if any).
_INCIDENTS: tuple[
    tuple[str, Callable[[User], "QuerySet[Any]"], Callable[[Any], tuple[str, str]], str, str],
    ...,
] = (
    (IncidentKind.CASE, visible_cases, _describe_case, "cases:detail", "analysis:case_chart"),
    (IncidentKind.LEAD, visible_leads, _describe_lead, "leads:detail", "analysis:lead_chart"),
    (IncidentKind.TIP, visible_tips, _describe_tip, "tips:detail", ""),
)


def _visible_records(viewer: User, keys: Iterable[Key]) -> Iterable[tuple[Key, Any]]:
    """The records behind these incident keys that the viewer may see, each with its key."""
    wanted = list(keys)
    for kind, visible, _, _, _ in _INCIDENTS:
        ids = [int(pk) for key_kind, pk in wanted if key_kind == kind]
        for chunk in _chunks(ids):
            for record in visible(viewer).filter(pk__in=chunk):
                yield (kind, record.pk), record


def _visible_incidents(viewer: User, requested: set[Key]) -> set[Key]:
    return {key for key, _ in _visible_records(viewer, requested)}


def _incident_nodes(viewer: User, keys: list[Key]) -> dict[Key, Node]:
    """Incident nodes labelled from their own records, read through the viewer's access."""
    kinds = {kind: (describe, page, chart) for kind, _, describe, page, chart in _INCIDENTS}
    nodes: dict[Key, Node] = {}
    for key, record in _visible_records(viewer, keys):
        describe, page, chart = kinds[key[0]]
        label, detail = describe(record)
        nodes[key] = Node(
            id=f"{key[0]}-{record.pk}",
            kind=str(key[0]),
            category=str(key[0]),
            label=label,
            detail=detail,
            url=reverse(page, args=[record.pk]),
            chart_url=reverse(chart, args=[record.pk]) if chart else "",
        )
    return nodes


def person_url(person_id: int) -> str:
    return reverse("analysis:person", args=[person_id])


def _person_nodes(
    keys: list[Key], rows: list[_Row], drawn: set[Key], outside: list[_Row]
) -> dict[Key, Node]:
    """Person nodes named and coloured from the viewer's own rows (latest name; weightiest
    role in the drawn incidents, or in any of theirs when none is drawn); a seed with nothing
    in the window is named from its latest row `outside` it."""
    by_person: dict[Key, list[_Row]] = defaultdict(list)
    for row in rows:
        by_person[row.person].append(row)
    nodes: dict[Key, Node] = {}
    for key in keys:
        own = sorted(by_person[key], key=lambda row: (row.occurred_on, row.source_id))
        if not own:
            own = [row for row in outside if row.person == key]
        roles = [row.role for row in own if row.incident in drawn] or [row.role for row in own]
        category = min((_role_category(role) for role in roles), key=_WEIGHT.__getitem__)
        incidents = {row.incident for row in by_person[key]}
        pk = int(key[1])
        nodes[key] = Node(
            id=f"person-{pk}",
            kind="person",
            category=category,
            label=own[-1].name if own else "（无名）",
            detail=f"图中 {len(incidents)} 起" if incidents else "所选时间范围内无记录",
            url=person_url(pk),
            chart_url=reverse("analysis:person_chart", args=[pk]),
        )
    return nodes


def _identifier_nodes(keys: list[Key], rows: list[_Row]) -> dict[Key, Node]:
    """Phones by a running number and their masked form; plates as they are."""
    masked = {row.phone_index: row.phone_masked for row in rows if row.phone_index}
    nodes: dict[Key, Node] = {}
    for number, key in enumerate(keys, start=1):
        kind, value = key[0], str(key[1])
        nodes[key] = Node(
            id=f"{kind}-{number}",
            kind=kind,
            category=kind,
            label=masked.get(value, "") if kind == "phone" else value,
        )
    return nodes


def chart_for(
    viewer: User,
    *,
    person: int | None = None,
    incidents: Iterable[tuple[str, int]] | None = None,
    start: date | None = None,
    end: date | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Chart:
    """The chart around one person (by id) or a set of (kind, id) incidents, from what the
    viewer may see; seeds the viewer may not see are not drawn (the pages 404 first)."""
    if (person is None) == (incidents is None):
        raise ValueError("chart_for takes a person or incidents")
    # Every read below is narrowed to a few persons, incidents or identifiers first.
    visible = visible_appearances(viewer, few=True)
    windowed = visible
    if start is not None:
        windowed = windowed.filter(occurred_on__gte=start)
    if end is not None:
        windowed = windowed.filter(occurred_on__lte=end)
    builder = _Builder(visible=visible, windowed=windowed)

    # 1. Seeds: the person (drawn even with nothing in the window), or the incidents.
    seeds: set[Key] = set()
    if person is not None:
        if visible.filter(person_id=person).exists():
            seeds = {("person", person)}
        seed_rows = builder.of_persons([person] if seeds else [])
    else:
        requested: set[Key] = {(IncidentKind(kind).value, int(pk)) for kind, pk in incidents or ()}
        seeds = _visible_incidents(viewer, requested)
        seed_rows = builder.in_incidents(seeds, seeds=True)

    # 2. Two hops out; the nearest `limit` nodes are kept.
    hops, parents, stopped = _walk(builder, seeds, seed_rows, limit)
    rank = _ranking(hops, parents, builder.latest)
    kept = set(_keep(hops, rank, limit))

    # 3. Every link among the kept nodes; a phone or plate beyond joins two kept persons.
    persons = sorted((key for key in kept if key[0] == "person"), key=lambda key: int(key[1]))
    rows = list(
        {
            (r.kind, r.source_id): r
            for r in builder.of_persons(int(k[1]) for k in persons) + seed_rows
        }.values()
    )
    rows = [row for row in rows if row.person in kept]
    links: dict[tuple[Key, Key], tuple[str, str]] = {}
    holders: dict[Key, set[Key]] = defaultdict(set)
    for row in rows:
        if row.incident in kept:
            links[(row.person, row.incident)] = (_role_label(row), _role_category(row.role))
        for identifier in builder.identifiers_of(row):
            holders[identifier].add(row.person)
    joining = sorted(
        (key for key, held_by in holders.items() if key not in kept and len(held_by) > 1),
        key=lambda key: (-len(holders[key]), _KIND_ORDER[key[0]], str(key[1])),
    )
    room = max(limit - len(kept), 0)
    for key in joining[:room]:
        kept.add(key)
        hops[key] = HOPS + 1
    for identifier, held_by in holders.items():
        if identifier in kept:
            label = "手机号" if identifier[0] == "phone" else "车牌"
            for holder in held_by:
                links[(holder, identifier)] = (label, identifier[0])

    # 4. Nodes in reading order: seeds first, then by distance and links.
    ordered = sorted(kept, key=rank)
    drawn_incidents = {key for key in kept if key[0] in IncidentKind.values}
    nodes = _incident_nodes(viewer, [key for key in ordered if key in drawn_incidents])
    outside = []
    if person is not None and seeds and not any(row.person in seeds for row in rows):
        latest = visible.filter(person_id=person).values_list(*_ROW_FIELDS)[:1]
        outside = [_Row(*values) for values in latest]
    nodes |= _person_nodes(persons, rows, drawn_incidents, outside)
    nodes |= _identifier_nodes([key for key in ordered if key[0] in ("phone", "plate")], rows)
    for key in ordered:
        if key in nodes:
            nodes[key].hops = hops[key]
            nodes[key].is_seed = key in seeds
    position = {key: number for number, key in enumerate(ordered)}
    edges = [
        Edge(source=nodes[a].id, target=nodes[b].id, label=label, category=category)
        for (a, b), (label, category) in sorted(
            links.items(), key=lambda item: (position[item[0][0]], position[item[0][1]])
        )
        if a in nodes and b in nodes
    ]
    by_id = {node.id: node for node in nodes.values()}
    for edge in edges:
        by_id[edge.source].degree += 1
        by_id[edge.target].degree += 1
    found = len(hops) + len(joining) - len(joining[:room])
    return Chart(
        nodes=[nodes[key] for key in ordered if key in nodes],
        edges=edges,
        start=start,
        end=end,
        limit=limit,
        found=found,
        is_cut=stopped or found > len(kept),
        stopped_early=stopped,
        hidden_identifiers=sum(len(values) for values in builder.blocked.values()),
        is_pending=_pending(seeds),
    )


def _pending(seeds: set[Key]) -> bool:
    incidents = [Q(incident_kind=kind, incident_id=pk) for kind, pk in seeds if kind != "person"]
    if not incidents:
        return False
    condition = incidents[0]
    for other in incidents[1:]:
        condition |= other
    return PendingChange.objects.filter(condition).exists()
