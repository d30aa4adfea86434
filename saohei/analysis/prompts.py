"""研判提示: clusters of persons who offended together, measured against DOMAIN.md §3.1
(decision 0029). Prompts only — the 研判会 decides (`services.confirm_prompt`/`dismiss_prompt`).

Runs inside every registry refresh (`registry.after_refresh`), after persons are updated:
1. Linking edges are the perpetrator appearances (纠集者/组织者/参与者 of a case; 被反映人 of a
   lead concluded 查实 that did not itself come from a prompt), minus incidents arising from the
   disputes of DISPUTE_MOTIVES and 单纯牟利 incidents without violence, threat or 软暴力. Victims
   and witnesses never link.
2. Clusters are the connected components of persons linked through shared incidents: on a full
   rebuild one numpy pass over integer arrays of every edge; on an incremental refresh the
   components of the touched persons, grown in SQL until closed.
3. Each component is measured in every window of `window_days` (an incident opens it; the last
   incident is at most `window_days` days later), re-split into the components of the window's
   incidents; the best level found (then the most incidents) is the component's prompt.
4. Prompts keep their identity by overlap of incidents (then members) with the previous ones;
   the 研判会's decision survives; a dismissed prompt reopens only when an incident it did not
   see joins it.
"""

import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
from django.db import connection
from django.utils import timezone

from saohei.analysis.models import (
    LEVEL_RANK,
    RINGLEADER_ROLES,
    AnalysisSettings,
    Appearance,
    AppearanceRole,
    IncidentKind,
    Person,
    Prompt,
    PromptIncident,
    PromptLevel,
    PromptMember,
    PromptStatus,
)
from saohei.analysis.registry import _analyse, _rows, _run, current_settings
from saohei.analysis.union_find import UnionFind
from saohei.cases.models import DISPUTE_MOTIVES, Case, Means, Motive, Nature
from saohei.leads.models import SUBSTANTIATED_CONCLUSIONS, Conclusion, Lead, Source, Status

A = Appearance._meta.db_table
P = Person._meta.db_table
LEAD = Lead._meta.db_table
CASE = Case._meta.db_table
MEMBER = PromptMember._meta.db_table

BULLYING_MEANS = (Means.VIOLENCE, Means.THREAT, Means.SOFT_VIOLENCE)
CONCLUDED = (Status.CONCLUDED, Status.ARCHIVED)
# Components with more incidents than this are measured in windows opened every STRIDE_DAYS
# (decision 0029); smaller ones in a window opened by every incident (exact).
EXACT_WINDOWS_UP_TO = 400
STRIDE_DAYS = 15
# Incidents beyond this many are summarised in a prompt's explanation (the table lists them all).
EXPLAINED_INCIDENTS = 60

IncidentKey = tuple[str, int]


def _quoted(values: Iterable[str]) -> str:
    return ", ".join(f"'{value}'" for value in sorted(values))


# A lead counts as an incident when it was concluded 查实 (its subjects are then perpetrators);
# a lead registered from a prompt repeats that prompt's incidents and never counts.
COUNTED_LEADS = (
    f"SELECT id FROM {LEAD} WHERE status IN ({_quoted(CONCLUDED)}) "
    f"AND conclusion IN ({_quoted(SUBSTANTIATED_CONCLUSIONS)}) AND source <> '{Source.ANALYSIS}'"
)
PERPETRATOR = (
    f"a.person_id IS NOT NULL AND ((a.incident_kind = '{IncidentKind.CASE}' AND a.is_perpetrator) "
    f"OR (a.incident_kind = '{IncidentKind.LEAD}' AND a.incident_id IN ({COUNTED_LEADS})))"
)
NOT_EXCLUDED = (
    f"a.motive NOT IN ({_quoted(DISPUTE_MOTIVES)}) AND NOT (a.motive = '{Motive.PROFIT}' "
    f"AND a.means NOT IN ({_quoted(BULLYING_MEANS)}))"
)
LINKING = f"{PERPETRATOR} AND {NOT_EXCLUDED}"


def exclusion_reason(motive: str, means: str) -> str:
    """Why an incident does not count (2019 意见 art. 5), or "" when it does."""
    if motive in DISPUTE_MOTIVES:
        return f"起因为{Motive(motive).label}纠纷"
    if motive == Motive.PROFIT and means not in BULLYING_MEANS:
        return "单纯牟利，无暴力、威胁或软暴力"
    return ""


def _fill(table: str, values: Iterable[int]) -> None:
    _run(f"CREATE TEMPORARY TABLE IF NOT EXISTS {table} (id BIGINT PRIMARY KEY)")
    _run(f"DELETE FROM {table}")
    chunk: list[int] = []
    for value in values:
        chunk.append(value)
        if len(chunk) == 500:
            _insert_ids(table, chunk)
            chunk = []
    _insert_ids(table, chunk)


def _insert_ids(table: str, ids: list[int]) -> None:
    if ids:
        _run(
            f"INSERT INTO {table} (id) VALUES {', '.join(['(%s)'] * len(ids))} "
            f"ON CONFLICT DO NOTHING",
            ids,
        )


# ---------------------------------------------------------------------------------------------
# 2. Components


def connected_components(left: np.ndarray, right: np.ndarray, nodes: int) -> np.ndarray:
    """Label of every node (the smallest node of its component) for edges left–right: min-label
    hooking with pointer jumping, each round vectorised over all edges."""
    parent = np.arange(nodes, dtype=np.int64)
    while True:
        low = np.minimum(parent[left], parent[right])
        high = np.maximum(parent[left], parent[right])
        np.minimum.at(parent, high, low)
        while True:
            jumped = parent[parent]
            if np.array_equal(jumped, parent):
                break
            parent = jumped
        if np.array_equal(parent[left], parent[right]):
            return parent


def _candidate_persons_everywhere(analysis_settings: AnalysisSettings) -> list[int]:
    """Persons in components with enough members and incidents to be worth measuring.

    Only incidents with a person seen more than once are read: a component of two or more
    incidents (the least `min_incidents` may be, `services.SETTING_BOUNDS`) is joined through
    persons in two of them, so every one of its incidents has such a person; the others, most of
    a province's (each of its people seen once), can never prompt. At 6 million links this reads
    a few hundred thousand edges instead of millions (27 s → seconds, decision 0036). CROSS JOIN
    keeps the incidents the outer loop: SQLite otherwise reads every case appearance for the OR
    in LINKING."""
    _run(
        "CREATE TEMPORARY TABLE IF NOT EXISTS an_linked_incidents "
        "(kind VARCHAR(8) NOT NULL, id BIGINT NOT NULL, PRIMARY KEY (kind, id))"
    )
    _run("DELETE FROM an_linked_incidents")
    _run(
        f"INSERT INTO an_linked_incidents (kind, id) SELECT DISTINCT a.incident_kind, "
        f"a.incident_id FROM {A} a WHERE a.person_id IN (SELECT person_id FROM {A} "
        f"WHERE person_id IS NOT NULL GROUP BY person_id HAVING COUNT(*) >= 2)"
    )
    _analyse("an_linked_incidents")
    chunks: list[np.ndarray] = []
    with connection.cursor() as cursor:
        # Lead ids are odd, case ids even: one integer per incident.
        cursor.execute(
            f"SELECT a.person_id, a.incident_id * 2 + CASE WHEN a.incident_kind = "
            f"'{IncidentKind.LEAD}' THEN 1 ELSE 0 END FROM an_linked_incidents w CROSS JOIN {A} a "
            f"WHERE a.incident_kind = w.kind AND a.incident_id = w.id AND {LINKING}"
        )
        # Whole batches into integer arrays: no Python object per edge survives the batch.
        while batch := cursor.fetchmany(200_000):
            chunks.append(np.array(batch, dtype=np.int64))
    if not chunks:
        return []
    edges = np.concatenate(chunks)
    persons, left = np.unique(edges[:, 0], return_inverse=True)
    incidents, right = np.unique(edges[:, 1], return_inverse=True)
    del edges, chunks
    labels = connected_components(left, right + len(persons), len(persons) + len(incidents))
    members = np.bincount(labels[: len(persons)], minlength=len(labels))
    events = np.bincount(labels[len(persons) :], minlength=len(labels))
    big = (members >= analysis_settings.min_members) & (events >= analysis_settings.min_incidents)
    return persons[big[labels[: len(persons)]]].tolist()


def _closure_of(person_keys: set[str]) -> list[int]:
    """Every person linked to these (by key, and the members of their prompts), grown through
    linking incidents until nothing new joins."""
    _run("CREATE TEMPORARY TABLE IF NOT EXISTS an_prompt_keys (k VARCHAR(140) PRIMARY KEY)")
    _run("DELETE FROM an_prompt_keys")
    keys = sorted(person_keys)
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        _run(
            f"INSERT INTO an_prompt_keys (k) VALUES {', '.join(['(%s)'] * len(chunk))}",
            chunk,
        )
    _fill("an_prompt_persons", [])
    _run(
        "CREATE TEMPORARY TABLE IF NOT EXISTS an_prompt_incidents "
        "(kind VARCHAR(8) NOT NULL, id BIGINT NOT NULL, PRIMARY KEY (kind, id))"
    )
    _run("DELETE FROM an_prompt_incidents")
    _run(
        f"INSERT INTO an_prompt_persons (id) SELECT id FROM {P} "
        f"WHERE person_key IN (SELECT k FROM an_prompt_keys) ON CONFLICT DO NOTHING"
    )
    _run(
        f"INSERT INTO an_prompt_persons (id) SELECT m.person_id FROM {MEMBER} m WHERE m.prompt_id "
        f"IN (SELECT prompt_id FROM {MEMBER} WHERE person_key IN (SELECT k FROM an_prompt_keys)) "
        f"ON CONFLICT DO NOTHING"
    )
    size = -1
    while True:
        _run(
            f"INSERT INTO an_prompt_incidents (kind, id) SELECT DISTINCT a.incident_kind, "
            f"a.incident_id FROM {A} a WHERE {LINKING} "
            f"AND a.person_id IN (SELECT id FROM an_prompt_persons) ON CONFLICT DO NOTHING"
        )
        _run(
            f"INSERT INTO an_prompt_persons (id) SELECT DISTINCT a.person_id FROM {A} a "
            f"WHERE {LINKING} AND (a.incident_kind, a.incident_id) IN "
            f"(SELECT kind, id FROM an_prompt_incidents) ON CONFLICT DO NOTHING"
        )
        grown = _rows("SELECT COUNT(*) FROM an_prompt_persons")[0][0]
        if grown == size:
            break
        size = grown
    return [row[0] for row in _rows("SELECT id FROM an_prompt_persons")]


# ---------------------------------------------------------------------------------------------
# 3. Measuring a component


@dataclass(frozen=True)
class Incident:
    kind: str
    id: int
    number: str
    occurred_on: date
    is_criminal: bool
    unit_id: int
    excluded_because: str

    @property
    def key(self) -> IncidentKey:
        return (self.kind, self.id)


@dataclass(frozen=True)
class Involvement:
    person_id: int
    incident: IncidentKey
    role: str


@dataclass
class Finding:
    """One cluster in one window that meets at least 疑似恶势力."""

    level: PromptLevel
    incidents: list[Incident]
    # person id → (role shown, incidents in the window)
    members: dict[int, tuple[str, int]]
    criteria: dict[str, object]
    ringleaders: list[int] = field(default_factory=list)

    @property
    def incident_keys(self) -> set[IncidentKey]:
        return {incident.key for incident in self.incidents}

    def score(self) -> tuple[int, int, int, date]:
        return (
            LEVEL_RANK[self.level],
            len(self.incidents),
            len(self.members),
            self.incidents[-1].occurred_on,
        )


def _strongest_role(roles: set[str]) -> str:
    for role in (
        AppearanceRole.GATHERER,
        AppearanceRole.ORGANISER,
        AppearanceRole.PARTICIPANT,
    ):
        if role in roles:
            return role
    return AppearanceRole.REPORTED


def measure(
    incidents: list[Incident], involvements: list[Involvement], s: AnalysisSettings
) -> Finding | None:
    """The criteria of DOMAIN.md §3.1 on one linked set of incidents, or None below 疑似恶势力."""
    by_person: dict[int, set[IncidentKey]] = defaultdict(set)
    roles: dict[int, set[str]] = defaultdict(set)
    led: dict[int, set[IncidentKey]] = defaultdict(set)
    for involvement in involvements:
        by_person[involvement.person_id].add(involvement.incident)
        roles[involvement.person_id].add(involvement.role)
        if involvement.role in RINGLEADER_ROLES:
            led[involvement.person_id].add(involvement.incident)
    criminal = {incident.key for incident in incidents if incident.is_criminal}
    recurring = [person for person, seen in by_person.items() if len(seen) >= 2]
    ringleaders = sorted(person for person, seen in led.items() if len(seen) >= 2)
    led_crimes = max((len(seen & criminal) for person, seen in led.items()), default=0)
    members, count, crimes = len(by_person), len(incidents), len(criminal)
    met = {
        "members": members >= s.min_members,
        "incidents": count >= s.min_incidents,
        "criminal": crimes >= s.min_criminal,
        "organiser": bool(ringleaders) or len(recurring) >= s.min_recurring_members,
    }
    met["group"] = bool(ringleaders) and led_crimes >= s.group_min_criminal
    met["heijie"] = members >= s.heijie_min_members
    if not all(met[name] for name in ("members", "incidents", "criminal", "organiser")):
        return None
    level = PromptLevel.GANG
    if met["group"]:
        level = PromptLevel.CRIMINAL_GROUP
        if met["heijie"]:
            level = PromptLevel.HEIJIE
    criteria: dict[str, object] = {
        "window_days": s.window_days,
        "members": members,
        "min_members": s.min_members,
        "incidents": count,
        "min_incidents": s.min_incidents,
        "criminal": crimes,
        "min_criminal": s.min_criminal,
        "recurring_members": len(recurring),
        "min_recurring_members": s.min_recurring_members,
        "recurring_ringleaders": len(ringleaders),
        "ringleader_criminal": led_crimes,
        "group_min_criminal": s.group_min_criminal,
        "heijie_min_members": s.heijie_min_members,
        "heijie_note_members": s.heijie_note_members,
        "met": met,
    }
    return Finding(
        level=level,
        incidents=sorted(incidents, key=lambda incident: (incident.occurred_on, incident.key)),
        members={
            person: (_strongest_role(roles[person]), len(seen))
            for person, seen in by_person.items()
        },
        criteria=criteria,
        ringleaders=ringleaders,
    )


def _split(
    incidents: list[Incident], involvements: list[Involvement]
) -> list[tuple[list[Incident], list[Involvement]]]:
    """The linked sets among these incidents (union–find over the few incidents of a window)."""
    linked = UnionFind(incident.key for incident in incidents)
    first_seen: dict[int, IncidentKey] = {}
    for involvement in involvements:
        earlier = first_seen.setdefault(involvement.person_id, involvement.incident)
        linked.union(earlier, involvement.incident)
    groups: dict[IncidentKey, tuple[list[Incident], list[Involvement]]] = defaultdict(
        lambda: ([], [])
    )
    for incident in incidents:
        groups[linked.find(incident.key)][0].append(incident)
    for involvement in involvements:
        groups[linked.find(involvement.incident)][1].append(involvement)
    return list(groups.values())


def best_finding(
    incidents: list[Incident], involvements: list[Involvement], s: AnalysisSettings
) -> Finding | None:
    """The strongest cluster over every window of `window_days` in one component."""
    ordered = sorted(incidents, key=lambda incident: (incident.occurred_on, incident.key))
    by_incident: dict[IncidentKey, list[Involvement]] = defaultdict(list)
    for involvement in involvements:
        by_incident[involvement.incident].append(involvement)
    best: Finding | None = None
    last_end = end = -1
    # A large component (a hub linking hundreds of incidents) is measured in windows opened at
    # most every STRIDE_DAYS, not at every incident: windows × incidents would be quadratic.
    stride = timedelta(days=STRIDE_DAYS if len(ordered) > EXACT_WINDOWS_UP_TO else 0)
    opened: date | None = None
    for start, opening in enumerate(ordered):
        if opened is not None and opening.occurred_on < opened + stride:
            continue
        limit = opening.occurred_on + timedelta(days=s.window_days)
        end = max(end, start)  # windows only move forward: one pass over the incidents
        while end + 1 < len(ordered) and ordered[end + 1].occurred_on <= limit:
            end += 1
        # A window whose last incident is the previous window's holds a subset of it: no better.
        if end == last_end or end - start + 1 < s.min_incidents:
            last_end = max(last_end, end)
            continue
        last_end = end
        opened = opening.occurred_on
        window = ordered[start : end + 1]
        joined = [item for incident in window for item in by_incident[incident.key]]
        for part_incidents, part_involvements in _split(window, joined):
            if len(part_incidents) < s.min_incidents:
                continue  # most parts of a window are one incident: nothing to measure
            found = measure(part_incidents, part_involvements, s)
            if found is not None and (best is None or found.score() > best.score()):
                best = found
    return best


def _load(person_ids: list[int]) -> tuple[dict[IncidentKey, Incident], list[Involvement]]:
    """The perpetrator appearances of these persons, excluded ones included (for the
    explanation), with each incident's number and 刑事/治安."""
    _fill("an_prompt_persons", person_ids)
    criminal_lead = Conclusion.CONFIRMED_FILED
    rows = _rows(
        f"SELECT a.person_id, a.incident_kind, a.incident_id, a.role, a.occurred_on, a.unit_id, "
        f"a.nature, a.means, a.motive, l.conclusion, COALESCE(c.number, l.number, '') "
        f"FROM {A} a LEFT JOIN {CASE} c ON a.incident_kind = '{IncidentKind.CASE}' "
        f"AND c.id = a.incident_id LEFT JOIN {LEAD} l ON a.incident_kind = '{IncidentKind.LEAD}' "
        f"AND l.id = a.incident_id WHERE {PERPETRATOR} "
        f"AND a.person_id IN (SELECT id FROM an_prompt_persons)"
    )
    incidents: dict[IncidentKey, Incident] = {}
    involvements: list[Involvement] = []
    for (
        person_id,
        kind,
        incident_id,
        role,
        on,
        unit_id,
        nature,
        means,
        motive,
        conclusion,
        number,
    ) in rows:
        if isinstance(on, str):
            on = date.fromisoformat(on)
        key = (kind, incident_id)
        if key not in incidents:
            is_criminal = (
                conclusion == criminal_lead
                if kind == IncidentKind.LEAD
                else nature == Nature.CRIMINAL
            )
            incidents[key] = Incident(
                kind=kind,
                id=incident_id,
                number=number,
                occurred_on=on,
                is_criminal=is_criminal,
                unit_id=unit_id,
                excluded_because=exclusion_reason(motive, means),
            )
        involvements.append(Involvement(person_id=person_id, incident=key, role=role))
    return incidents, involvements


def find_clusters(person_ids: list[int], s: AnalysisSettings) -> list[Finding]:
    """The prompts these persons' components give (`person_ids` is a union of components)."""
    incidents, involvements = _load(person_ids)
    linking = {
        key: incident for key, incident in incidents.items() if not incident.excluded_because
    }
    counted = [item for item in involvements if item.incident in linking]
    excluded_of: dict[int, set[IncidentKey]] = defaultdict(set)
    for item in involvements:
        if item.incident not in linking:
            excluded_of[item.person_id].add(item.incident)
    findings = []
    for part_incidents, part_involvements in _split(list(linking.values()), counted):
        if len(part_incidents) < s.min_incidents:
            continue
        found = best_finding(part_incidents, part_involvements, s)
        if found is not None:
            found.criteria["excluded"] = _excluded_near(found, incidents, excluded_of)
            findings.append(found)
    return findings


def _excluded_near(
    found: Finding, incidents: dict[IncidentKey, Incident], excluded_of: dict[int, set[IncidentKey]]
) -> list[dict[str, object]]:
    """The members' excluded incidents within the window, with the reason (for the explanation)."""
    start, end = found.incidents[0].occurred_on, found.incidents[-1].occurred_on
    keys = set().union(*(excluded_of.get(person, set()) for person in found.members))
    chosen = sorted(
        (incidents[key] for key in keys if start <= incidents[key].occurred_on <= end),
        key=lambda incident: (incident.occurred_on, incident.key),
    )
    return [
        {
            "kind": incident.kind,
            "number": incident.number,
            "date": incident.occurred_on.isoformat(),
            "reason": incident.excluded_because,
        }
        for incident in chosen
    ]


# ---------------------------------------------------------------------------------------------
# Explanation


def explain(found: Finding, names: dict[int, str]) -> str:
    """The prompt in Chinese: persons with roles, incidents, window, criteria met and not met,
    incidents excluded and why. Wording: 疑似…/需研判, never a determination."""
    c = found.criteria
    met: dict[str, bool] = c["met"]  # type: ignore[assignment]
    first, last = found.incidents[0].occurred_on, found.incidents[-1].occurred_on
    role_label = dict(AppearanceRole.choices)
    lines = [
        f"提示级别：{found.level.label}。本提示由系统按认定标准自动比对生成，仅供研判会研判，"
        f"不是认定结论。",
        f"时间窗：{first:%Y-%m-%d} 至 {last:%Y-%m-%d}（跨 {(last - first).days} 天，"
        f"研判时间窗 {c['window_days']} 天）。",
    ]
    ordered_members = sorted(
        found.members.items(), key=lambda item: (-item[1][1], names.get(item[0], ""))
    )
    lines.append(
        f"成员 {len(found.members)} 人："
        + "、".join(
            f"{names.get(person, '（无名）')}（{role_label[role]}，{count} 起）"
            for person, (role, count) in ordered_members
        )
        + "。"
    )
    shown = found.incidents[:EXPLAINED_INCIDENTS]
    kind_label = dict(IncidentKind.choices)
    lines.append(
        f"事件 {len(found.incidents)} 起："
        + "；".join(
            f"{kind_label[incident.kind]} {incident.number}（{incident.occurred_on:%Y-%m-%d}，"
            f"{'刑事' if incident.is_criminal else '治安'}）"
            for incident in shown
        )
        + ("；……" if len(found.incidents) > len(shown) else "")
        + "。"
    )
    ringleader_names = "、".join(names.get(person, "（无名）") for person in found.ringleaders)
    checks = [
        (met["members"], f"成员不少于 {c['min_members']} 人（{c['members']} 人）"),
        (met["incidents"], f"违法犯罪不少于 {c['min_incidents']} 起（{c['incidents']} 起）"),
        (met["criminal"], f"其中刑事案件不少于 {c['min_criminal']} 起（{c['criminal']} 起）"),
        (
            met["organiser"],
            f"有重复出现的纠集者/组织者（{ringleader_names or '无'}）"
            f"或重复参与成员不少于 {c['min_recurring_members']} 人（{c['recurring_members']} 人）",
        ),
        (
            met["group"],
            f"疑似恶势力犯罪集团：同一重复出现的纠集者/组织者参与的刑事案件不少于 "
            f"{c['group_min_criminal']} 起（最多 {c['ringleader_criminal']} 起）",
        ),
        (
            met["heijie"],
            f"需研判涉黑：在此基础上成员不少于 {c['heijie_min_members']} 人（{c['members']} 人）",
        ),
    ]
    lines.append("已满足：" + "；".join(text for ok, text in checks if ok) + "。")
    unmet = [text for ok, text in checks if not ok]
    lines.append("未满足：" + ("；".join(unmet) if unmet else "无") + "。")
    members = int(c["members"])  # type: ignore[call-overload]
    if int(c["heijie_note_members"]) <= members < int(c["heijie_min_members"]):  # type: ignore[call-overload]
        lines.append(
            f"注意：成员已有 {members} 人，接近需研判涉黑的人数（{c['heijie_min_members']} 人），"
            f"请研判会一并研判组织、经济、行为、危害性特征。"
        )
    excluded: list[dict[str, str]] = c.get("excluded", [])  # type: ignore[assignment]
    if excluded:
        lines.append(
            "未计入的事件："
            + "；".join(
                f"{kind_label[item['kind']]} {item['number']}（{item['date']}，{item['reason']}）"
                for item in excluded
            )
            + "。"
        )
    else:
        lines.append("未计入的事件：无。")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# 4. Keeping prompts


def _incident_key_text(kind: str, incident_id: int) -> str:
    return f"{kind}:{incident_id}"


def _town_of(found: Finding) -> int:
    counts = Counter(incident.unit_id for incident in found.incidents)
    return min(counts, key=lambda unit_id: (-counts[unit_id], unit_id))


def _write(
    prompt: Prompt,
    found: Finding,
    names: dict[int, str],
    keys: dict[int, str],
    old_incidents: set[IncidentKey],
    old_members: set[str],
    *,
    reopened: bool,
) -> None:
    explanation = explain(found, names)
    unchanged = (
        not reopened
        and prompt.pk is not None
        and prompt.is_current
        and prompt.level == found.level
        and prompt.explanation == explanation
        and prompt.criteria == found.criteria
        and old_incidents == found.incident_keys
        and old_members == {keys[person] for person in found.members}
    )
    if unchanged:
        return  # `updated_at` (the lists' order) moves only when the prompt does
    prompt.level = found.level
    prompt.is_current = True
    prompt.unit_id = _town_of(found)
    prompt.window_start = found.incidents[0].occurred_on
    prompt.window_end = found.incidents[-1].occurred_on
    prompt.criteria = found.criteria
    prompt.explanation = explanation
    prompt.save()
    prompt.members.all().delete()
    prompt.incidents.all().delete()
    PromptMember.objects.bulk_create(
        PromptMember(
            prompt=prompt,
            person_id=person,
            person_key=keys[person],
            role=role,
            incident_count=count,
        )
        for person, (role, count) in found.members.items()
    )
    PromptIncident.objects.bulk_create(
        PromptIncident(
            prompt=prompt,
            incident_kind=incident.kind,
            incident_id=incident.id,
            number=incident.number,
            occurred_on=incident.occurred_on,
            is_criminal=incident.is_criminal,
        )
        for incident in found.incidents
    )


def _reconcile(findings: list[Finding], candidates: list[Prompt]) -> None:
    person_ids = {person for found in findings for person in found.members}
    persons = dict(Person.objects.filter(pk__in=person_ids).values_list("pk", "name"))
    keys = dict(Person.objects.filter(pk__in=person_ids).values_list("pk", "person_key"))
    by_id = {prompt.pk: prompt for prompt in candidates}
    old_incidents: dict[int, set[IncidentKey]] = defaultdict(set)
    holding_incident: dict[IncidentKey, set[int]] = defaultdict(set)
    for prompt_id, kind, incident_id in PromptIncident.objects.filter(
        prompt__in=candidates
    ).values_list("prompt_id", "incident_kind", "incident_id"):
        old_incidents[prompt_id].add((kind, incident_id))
        holding_incident[(kind, incident_id)].add(prompt_id)
    old_members: dict[int, set[str]] = defaultdict(set)
    holding_member: dict[str, set[int]] = defaultdict(set)
    for prompt_id, key in PromptMember.objects.filter(prompt__in=candidates).values_list(
        "prompt_id", "person_key"
    ):
        old_members[prompt_id].add(key)
        holding_member[key].add(prompt_id)
    # Pairs by overlap, the largest first: each cluster takes over at most one prompt.
    pairs = []
    for index, found in enumerate(findings):
        found_keys = {keys[person] for person in found.members}
        near = set().union(
            *(holding_incident[key] for key in found.incident_keys),
            *(holding_member[key] for key in found_keys),
        )
        for prompt_id in near:
            prompt = by_id[prompt_id]
            shared = len(found.incident_keys & old_incidents[prompt_id])
            same_people = len(found_keys & old_members[prompt_id])
            pairs.append((shared, same_people, prompt.is_current, -prompt_id, index, prompt))
    pairs.sort(key=lambda pair: pair[:4], reverse=True)
    matched: dict[int, Prompt] = {}
    taken: set[int] = set()
    for *_, index, prompt in pairs:
        if index not in matched and prompt.pk not in taken:
            matched[index] = prompt
            taken.add(prompt.pk)
    for index, found in enumerate(findings):
        prompt = matched.get(index) or Prompt(status=PromptStatus.OPEN)
        reopened = prompt.status == PromptStatus.DISMISSED and _reopen_if_joined(prompt, found)
        _write(
            prompt,
            found,
            persons,
            keys,
            old_incidents.get(prompt.pk or 0, set()),
            old_members.get(prompt.pk or 0, set()),
            reopened=reopened,
        )
    gone = [prompt.pk for prompt in candidates if prompt.pk not in taken and prompt.is_current]
    Prompt.objects.filter(pk__in=gone).update(is_current=False, updated_at=timezone.now())


def _reopen_if_joined(prompt: Prompt, found: Finding) -> bool:
    """A dismissed prompt reopens when an incident the 研判会 did not see has joined it."""
    seen = set(prompt.decided_incidents)
    joined = [
        incident
        for incident in found.incidents
        if _incident_key_text(incident.kind, incident.id) not in seen
    ]
    if not joined:
        return False
    kind_label = dict(IncidentKind.choices)
    prompt.status = PromptStatus.OPEN
    prompt.reopened_reason = (
        f"{timezone.localdate():%Y-%m-%d} 研判会排除后有新事件加入："
        + "、".join(f"{kind_label[i.kind]} {i.number}" for i in joined[:20])
        + "，重新提示研判。"
    )[:500]
    return True


def refresh_prompts(person_keys: set[str], full_rebuild: bool) -> None:
    """The `registry.after_refresh` hook: prompts of the touched persons' clusters (all on a full
    rebuild), in the refresh's transaction."""
    analysis_settings = current_settings()
    if full_rebuild:
        _drop_members_of_vanished_persons("")
        person_ids = _candidate_persons_everywhere(analysis_settings)
        candidates = list(Prompt.objects.all())
    else:
        if not person_keys:
            return
        person_ids = _closure_of(person_keys)
        # A person vanishes only in a refresh that touched their key.
        _drop_members_of_vanished_persons(" AND person_key IN (SELECT k FROM an_prompt_keys)")
        candidates = list(_touched_prompts(person_keys, person_ids))
    findings = find_clusters(person_ids, analysis_settings) if person_ids else []
    _reconcile(findings, candidates)


def _drop_members_of_vanished_persons(key_filter: str) -> None:
    """The registry deletes vanished persons in SQL: their member rows go before the commit.
    Members are few (thousands at a province's scale): their persons are looked up by primary
    key, whatever the planner thinks of a join (an anti-join walked the whole person index, 420
    ms at 6 million links, on every incremental refresh). An incremental refresh looks only at
    the touched keys' members."""
    member_persons = [
        row[0] for row in _rows(f"SELECT DISTINCT person_id FROM {MEMBER} WHERE 1 = 1{key_filter}")
    ]
    gone: list[int] = []
    for start in range(0, len(member_persons), 500):
        chunk = member_persons[start : start + 500]
        found = set(Person.objects.filter(pk__in=chunk).values_list("pk", flat=True))
        gone.extend(pk for pk in chunk if pk not in found)
    for start in range(0, len(gone), 500):
        PromptMember.objects.filter(person_id__in=gone[start : start + 500]).delete()


def _touched_prompts(person_keys: set[str], person_ids: list[int]) -> Iterable[Prompt]:
    """Prompts that share a member or an incident with the refreshed clusters."""
    by_member = _rows(
        f"SELECT DISTINCT prompt_id FROM {MEMBER} WHERE person_key IN "
        f"(SELECT k FROM an_prompt_keys) OR person_id IN (SELECT id FROM an_prompt_persons)"
    )
    by_incident = _rows(
        f"SELECT DISTINCT prompt_id FROM {PromptIncident._meta.db_table} WHERE "
        f"(incident_kind, incident_id) IN (SELECT kind, id FROM an_prompt_incidents)"
    )
    ids = {row[0] for row in itertools.chain(by_member, by_incident)}
    return Prompt.objects.filter(pk__in=ids)
