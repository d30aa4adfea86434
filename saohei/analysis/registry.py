"""Resolution of appearances into persons, set-wise in SQL (decision 0028).

One code path serves the incremental refresh after a save and the full rebuild (`analyse`):
`refresh(incidents)` re-reads the people of the given incidents from their source rows and
re-resolves every appearance that shares an ID number or a mobile with them; `rebuild()` does
the same for every incident. Nothing here runs per row in Python except the office's merge
rules, which are few.

Identity, in order (the first that applies):
1. an appearance the office split off (`SplitRule`) is a person of its own;
2. the same ID number (blind index) is the same person;
3. a mobile that is neither excluded nor over-shared joins appearances with the same name: to
   the one person with an ID number who was given that mobile under that name, or, when nobody
   was, into a person of that mobile and name (a family's shared phone does not make husband and
   wife one person, decision 0028);
4. otherwise the appearance is a person of its own; the same name in the same village is only
   a 疑似同一人 suggestion.
The office's merges (`MergeRule`) then join persons; the smallest key of a group names it, and
ID-number keys sort first.
"""

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction

from saohei.analysis.models import (
    AnalysisSettings,
    Appearance,
    IdentifierExclusion,
    IdentifierKind,
    IncidentKind,
    MergeRule,
    PendingChange,
    Person,
    PersonIdentifier,
    SamePersonSuggestion,
    SharedIdentifier,
    SplitRule,
    SuggestionStatus,
)
from saohei.analysis.union_find import UnionFind
from saohei.cases.models import PERPETRATOR_ROLES, Case, CasePerson, CasePersonPlate
from saohei.common.sqlite import sqlite_pragmas
from saohei.leads.models import Lead, Subject, SubjectPlate
from saohei.organisations.models import Unit
from saohei.tips.models import Tip, TipPerson, TipStatus

# The commonest full names: they never make a 疑似同一人 suggestion by name alone. The office adds
# its own in the settings (a village where every third man is 王建国).
COMMON_NAMES = frozenset(
    [
        "张伟",
        "王伟",
        "王芳",
        "李伟",
        "李娜",
        "张敏",
        "李静",
        "王静",
        "刘伟",
        "王秀英",
        "张丽",
        "李秀英",
        "王丽",
        "张静",
        "张秀英",
        "李强",
        "王敏",
        "李敏",
        "王磊",
        "刘洋",
        "王艳",
        "王勇",
        "李军",
        "张勇",
        "李杰",
        "张杰",
        "张磊",
        "王强",
        "李娟",
        "王军",
        "张艳",
        "张涛",
        "王涛",
        "李明",
        "李艳",
        "王超",
        "李勇",
        "王娟",
        "刘杰",
        "刘敏",
        "李霞",
        "李丽",
        "张军",
        "王杰",
        "张强",
        "王秀兰",
        "王刚",
        "王平",
        "刘芳",
        "张燕",
        "刘艳",
        "刘军",
        "李平",
        "王辉",
        "王燕",
        "陈静",
        "刘勇",
        "李玲",
        "李桂英",
        "王丹",
        "李刚",
        "李丹",
        "李萍",
        "王鹏",
        "刘涛",
        "陈伟",
        "张华",
        "刘静",
        "李涛",
        "王桂英",
        "张秀兰",
        "李红",
        "李超",
        "刘丽",
        "张桂英",
        "王玉兰",
        "李燕",
        "张鹏",
        "李秀兰",
        "张超",
        "王霞",
        "张玲",
    ]
)

# A name shared by more persons than this in one village suggests nobody: it is a local
# common name, and pairing them all would bury the clerk.
MAX_NAMESAKES_SUGGESTED = 5

A = Appearance._meta.db_table
P = Person._meta.db_table
PI = PersonIdentifier._meta.db_table

# The appearances of the incidents being refreshed (a join: SQLite plans it on the
# (incident_kind, incident_id) index, where a row-value IN may scan), and the appearances whose
# identity may change: those, and every one sharing an ID number or a mobile with them, gathered
# into `an_apps` by three indexed statements rather than one OR that could scan the table.
IN_WORK_SET = (
    f"id IN (SELECT a.id FROM an_incidents w JOIN {A} a "
    f"ON a.incident_kind = w.kind AND a.incident_id = w.id)"
)
AFFECTED = "id IN (SELECT id FROM an_apps)"

# Run after every refresh with the keys of the persons it touched (the prompts register here).
AfterRefresh = Callable[[set[str], bool], None]
_after_refresh: list[AfterRefresh] = []


def after_refresh(hook: AfterRefresh) -> AfterRefresh:
    if hook not in _after_refresh:
        _after_refresh.append(hook)
    return hook


@dataclass
class RefreshResult:
    appearances: int = 0
    persons: int = 0  # persons refreshed: every one on a rebuild
    affected_persons: int = 0
    seconds: float = 0.0
    steps: list[tuple[str, float]] = field(default_factory=list)


Progress = Callable[[int, int, str], None]


def current_settings() -> AnalysisSettings:
    found = AnalysisSettings.objects.order_by("id").first()
    return found if found is not None else AnalysisSettings()


def common_names(analysis_settings: AnalysisSettings) -> frozenset[str]:
    extra = analysis_settings.common_names.replace("、", "\n").replace(",", "\n").split()
    return COMMON_NAMES | {name.strip() for name in extra if name.strip()}


# ---------------------------------------------------------------------------------------------
# SQL helpers


def _run(sql: str, params: Sequence[str | int | None] = ()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _rows(sql: str, params: Sequence[str | int | None] = ()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


_WORK_TABLES = {
    # incidents to re-read
    "an_incidents": "kind VARCHAR(8) NOT NULL, id BIGINT NOT NULL, PRIMARY KEY (kind, id)",
    # ID-number indexes and mobiles whose appearances are re-resolved
    "an_ids": "v VARCHAR(64) PRIMARY KEY",
    "an_phones": "v VARCHAR(64) PRIMARY KEY",
    # persons (by key) whose rows, identifiers and suggestions are refreshed
    "an_keys": "k VARCHAR(140) PRIMARY KEY",
    "an_apps": "id BIGINT PRIMARY KEY",
    # per mobile: distinct names given with it, its appearances and a masked copy (the shared list)
    "an_phone_names": (
        "phone VARCHAR(64) PRIMARY KEY, names INTEGER NOT NULL, appearances INTEGER NOT NULL, "
        "masked VARCHAR(11) NOT NULL"
    ),
    "an_phone_owner": (
        "phone VARCHAR(64) NOT NULL, name_key VARCHAR(50) NOT NULL, owners INTEGER NOT NULL, "
        "owner VARCHAR(64) NOT NULL, PRIMARY KEY (phone, name_key)"
    ),
    "an_alias": "raw VARCHAR(140) PRIMARY KEY, canonical VARCHAR(140) NOT NULL",
}


def _prepare_work_tables() -> None:
    for name, columns in _WORK_TABLES.items():
        _run(f"CREATE TEMPORARY TABLE IF NOT EXISTS {name} ({columns})")
        _run(f"DELETE FROM {name}")


def _insert_ignore(table: str, select_sql: str, params: Sequence[str | int | None] = ()) -> None:
    """INSERT … SELECT that skips values already there (both databases' dialects)."""
    conflict = " ON CONFLICT DO NOTHING"
    _run(f"INSERT INTO {table} {select_sql}{conflict}", params)


def _local_date(column: str) -> str:
    """The local calendar date of a stored aware datetime (China has no summer time)."""
    if connection.vendor == "postgresql":
        return f"CAST(({column} AT TIME ZONE '{settings.TIME_ZONE}') AS DATE)"
    offset = ZoneInfo(settings.TIME_ZONE).utcoffset(None)
    hours = int(offset.total_seconds() // 3600) if offset else 8
    return f"DATE({column}, '{hours:+d} hours')"


def _name_key(column: str) -> str:
    return f"REPLACE(REPLACE(TRIM({column}), ' ', ''), '　', '')"


# ---------------------------------------------------------------------------------------------
# Steps


# What an appearance copies from its source row, in the order `_insert_appearances` writes it.
SOURCE_COLUMNS = (
    "incident_kind",
    "incident_id",
    "source_id",
    "unit_id",
    "village_id",
    "occurred_on",
    "role",
    "is_perpetrator",
    "nature",
    "means",
    "motive",
    "name",
    "name_key",
    "alias",
    "id_number_index",
    "id_number_masked",
    "phone_index",
    "phone_masked",
)
STAGE_COLUMNS = (
    "incident_kind VARCHAR(8), incident_id BIGINT, source_id BIGINT, unit_id BIGINT, "
    "village_id BIGINT, occurred_on DATE, role VARCHAR(16), is_perpetrator BOOLEAN, "
    "nature VARCHAR(16), means VARCHAR(16), motive VARCHAR(16), name VARCHAR(50), "
    "name_key VARCHAR(50), alias VARCHAR(50), id_number_index VARCHAR(64), "
    "id_number_masked VARCHAR(18), phone_index VARCHAR(64), phone_masked VARCHAR(11), "
    "identity_key VARCHAR(140), person_key VARCHAR(140)"
)


def _insert_appearances(only_work_set: bool, *, into: str = A) -> int:
    """Appearances of the incidents in `an_incidents` (or of every incident) from their sources:
    case persons of every case; subjects of leads that were not merged into another; persons
    named in tips still waiting for 受理 (an accepted tip's persons are its lead's subjects)."""
    perpetrators = ", ".join(f"'{role}'" for role in sorted(PERPETRATOR_ROLES))
    columns = ", ".join((*SOURCE_COLUMNS, "identity_key", "person_key"))
    case, person = Case._meta.db_table, CasePerson._meta.db_table
    lead, subject = Lead._meta.db_table, Subject._meta.db_table
    tip, tip_person = Tip._meta.db_table, TipPerson._meta.db_table

    def work(kind: str, column: str) -> str:
        if not only_work_set:
            return ""
        return f" AND {column} IN (SELECT id FROM an_incidents WHERE kind = '{kind}')"

    written = _run(
        f"INSERT INTO {into} ({columns}) "
        f"SELECT 'case', c.id, p.id, c.unit_id, c.village_id, c.occurred_on, p.role, "
        f"CASE WHEN p.role IN ({perpetrators}) THEN TRUE ELSE FALSE END, "
        f"c.nature, c.means, c.motive, p.name, {_name_key('p.name')}, '', p.id_number_index, "
        f"p.id_number_masked, p.phone_index, p.phone_masked, '', '' "
        f"FROM {person} p JOIN {case} c ON c.id = p.case_id WHERE 1 = 1{work('case', 'c.id')}"
    )
    written += _run(
        f"INSERT INTO {into} ({columns}) "
        f"SELECT 'lead', l.id, s.id, l.unit_id, COALESCE(s.village_id, l.village_id), "
        f"{_local_date('l.received_at')}, 'reported', FALSE, '', '', '', s.name, "
        f"{_name_key('s.name')}, s.alias, s.id_number_index, s.id_number_masked, s.phone_index, "
        f"s.phone_masked, '', '' "
        f"FROM {subject} s JOIN {lead} l ON l.id = s.lead_id "
        f"WHERE l.merged_into_id IS NULL{work('lead', 'l.id')}"
    )
    written += _run(
        f"INSERT INTO {into} ({columns}) "
        f"SELECT 'tip', t.id, p.id, t.unit_id, COALESCE(p.village_id, t.village_id), "
        f"{_local_date('t.submitted_at')}, 'reported', FALSE, '', '', '', p.name, "
        f"{_name_key('p.name')}, p.alias, '', '', '', '', '', '' "
        f"FROM {tip_person} p JOIN {tip} t ON t.id = p.tip_id "
        f"WHERE t.status = %s AND t.lead_id IS NULL{work('tip', 't.id')}",
        [TipStatus.PENDING],
    )
    return written


def _count_phones(source: str, phone_filter: str = "") -> None:
    """For each mobile in `source`: how many distinct names were given with it (and how often,
    for the shared list), and for each (mobile, name) the ID-numbered persons given it under that
    name."""
    _run(
        f"INSERT INTO an_phone_names (phone, names, appearances, masked) "
        f"SELECT phone_index, COUNT(DISTINCT name_key), COUNT(*), MAX(phone_masked) FROM {source} "
        f"WHERE phone_index <> ''{phone_filter} GROUP BY phone_index"
    )
    _run(
        f"INSERT INTO an_phone_owner (phone, name_key, owners, owner) "
        f"SELECT phone_index, name_key, COUNT(DISTINCT id_number_index), MIN(id_number_index) "
        f"FROM {source} WHERE phone_index <> '' AND id_number_index <> ''{phone_filter} "
        f"GROUP BY phone_index, name_key"
    )


def _identity_expression(row: str, *, joined: bool = False) -> str:
    """The SQL for the identity key of the appearance `row` (rules 1–4 of the module's
    docstring); one parameter, the share cap.

    Looked up by primary key into `_count_phones`' tables, one appearance at a time (an
    incremental refresh); or, `joined`, read from the columns `IDENTITY_JOINS` brings to every
    row at once (the full rebuild: one pass of hash or merge joins instead of four lookups a
    row, decision 0034)."""
    own = f"'3:' || {row}.incident_kind || ':' || CAST({row}.source_id AS TEXT)"
    if joined:
        split = "split.source_id IS NOT NULL"
        excluded = "excluded.value IS NOT NULL"
        names, owners, owner = "phone_names.names", "phone_owner.owners", "phone_owner.owner"
    else:
        split = (
            f"EXISTS (SELECT 1 FROM {SplitRule._meta.db_table} r WHERE r.undone_at IS NULL "
            f"AND r.incident_kind = {row}.incident_kind AND r.source_id = {row}.source_id)"
        )
        excluded = (
            f"EXISTS (SELECT 1 FROM {IdentifierExclusion._meta.db_table} x "
            f"WHERE x.kind = 'phone' AND x.value = {row}.phone_index)"
        )
        names = f"(SELECT names FROM an_phone_names n WHERE n.phone = {row}.phone_index)"
        same_phone_and_name = (
            f"FROM an_phone_owner o WHERE o.phone = {row}.phone_index "
            f"AND o.name_key = {row}.name_key"
        )
        owners = f"(SELECT owners {same_phone_and_name})"
        owner = f"(SELECT owner {same_phone_and_name})"
    return (
        f"CASE WHEN {split} THEN {own} "
        f"WHEN {row}.id_number_index <> '' THEN '1:' || {row}.id_number_index "
        f"WHEN {row}.phone_index <> '' AND NOT {excluded} AND {names} <= %s THEN CASE "
        f"WHEN {owners} > 1 THEN {own} "
        f"ELSE COALESCE('1:' || {owner}, '2:' || {row}.phone_index || ':' || {row}.name_key) END "
        f"ELSE {own} END"
    )


# What `_identity_expression(row, joined=True)` reads, joined to `an_stage s`: the splits (a
# source split twice, once undone, still counts once), the mobile's exclusion and its counts.
IDENTITY_JOINS = (
    f"LEFT JOIN (SELECT DISTINCT incident_kind, source_id FROM {SplitRule._meta.db_table} "
    f"WHERE undone_at IS NULL) split "
    f"ON split.incident_kind = s.incident_kind AND split.source_id = s.source_id "
    f"LEFT JOIN {IdentifierExclusion._meta.db_table} excluded "
    f"ON excluded.kind = 'phone' AND excluded.value = s.phone_index "
    f"LEFT JOIN an_phone_names phone_names ON phone_names.phone = s.phone_index "
    f"LEFT JOIN an_phone_owner phone_owner "
    f"ON phone_owner.phone = s.phone_index AND phone_owner.name_key = s.name_key"
)


def _fill_aliases() -> None:
    aliases = _merge_aliases()
    for start in range(0, len(aliases), 400):
        chunk = aliases[start : start + 400]
        _run(
            "INSERT INTO an_alias (raw, canonical) VALUES " + ", ".join(["(%s, %s)"] * len(chunk)),
            [value for pair in chunk for value in pair],
        )


def _resolve_identities(share_cap: int) -> None:
    """identity_key and person_key of the affected appearances (an incremental refresh)."""
    _count_phones(A, " AND phone_index IN (SELECT v FROM an_phones)")
    _run(
        f"UPDATE {A} SET identity_key = {_identity_expression(A)} WHERE {AFFECTED}",
        [share_cap],
    )
    _fill_aliases()
    _run(
        f"UPDATE {A} SET person_key = COALESCE("
        f"(SELECT canonical FROM an_alias WHERE raw = {A}.identity_key), identity_key) "
        f"WHERE {AFFECTED}"
    )


def _merge_aliases() -> list[tuple[str, str]]:
    """raw key → the group's key for every key named in an active merge (union–find; the
    rules are the office's decisions, a handful, never the data)."""
    keys: UnionFind[str] = UnionFind()
    for first, second in MergeRule.objects.filter(undone_at__isnull=True).values_list(
        "first_key", "second_key"
    ):
        keys.union(first, second)
    return [(key, keys.find(key)) for key in keys if keys.find(key) != key]


# A person's appearances, newest first (ties broken by the source row, so that both paths name
# a person alike): the window that names and counts persons, and the keyed table's order.
PERSON_ORDER = (
    "PARTITION BY person_key ORDER BY occurred_on DESC, incident_kind DESC, source_id DESC"
)
KEYED_ORDER = "person_key, occurred_on DESC, incident_kind DESC, source_id DESC"


def _refresh_persons(*, source: str, only_work_set: bool) -> int:
    """Person rows for the affected keys, from the appearances in `source` (the appearance
    table, or the bulk path's keyed staging table): new ones created, vanished ones deleted, each
    one's name, village and counts taken from its appearances (the latest names it). Ties on a
    date are broken by the source row, so both paths name a person alike."""
    key_filter = " AND person_key IN (SELECT k FROM an_keys)" if only_work_set else ""
    _run(f"DELETE FROM {PI} WHERE person_id IN (SELECT id FROM {P} WHERE 1 = 1{key_filter})")
    _run(
        f"UPDATE {A} SET person_id = NULL WHERE person_id IN "
        f"(SELECT id FROM {P} WHERE 1 = 1{key_filter} AND NOT EXISTS "
        f"(SELECT 1 FROM {source} a WHERE a.person_key = {P}.person_key))"
    )
    _run(
        f"DELETE FROM {P} WHERE 1 = 1{key_filter} AND NOT EXISTS "
        f"(SELECT 1 FROM {source} a WHERE a.person_key = {P}.person_key)"
    )
    # One pass of one window, no GROUP BY: each person's newest appearance (rn = 1) carries the
    # counts and dates of all of theirs. The bulk path's keyed table is written in this order and
    # indexed on it, so the window reads it sequentially without sorting (decision 0036).
    whole = f"({PERSON_ORDER} ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)"
    summary = (
        f"SELECT person_key, name, name_key, unit_id, village_id, n, perpetrator, first_seen, "
        f"last_seen FROM (SELECT person_key, name, name_key, unit_id, village_id, "
        f"ROW_NUMBER() OVER ({PERSON_ORDER}) AS rn, COUNT(*) OVER {whole} AS n, "
        f"SUM(CASE WHEN is_perpetrator THEN 1 ELSE 0 END) OVER {whole} AS perpetrator, "
        f"MIN(occurred_on) OVER {whole} AS first_seen, "
        f"MAX(occurred_on) OVER {whole} AS last_seen "
        f"FROM {source} WHERE person_key <> ''{key_filter}) x WHERE rn = 1"
    )
    # One upsert: persons keep their row (and their page's address) across refreshes.
    _run(
        f"INSERT INTO {P} (person_key, name, name_key, aliases, unit_id, village_id, "
        f"appearance_count, perpetrator_count, first_seen, last_seen, updated_at) "
        f"SELECT person_key, name, name_key, '', unit_id, village_id, n, perpetrator, "
        f"first_seen, last_seen, CURRENT_TIMESTAMP FROM ({summary}) s WHERE TRUE "
        f"ON CONFLICT (person_key) DO UPDATE SET name = excluded.name, "
        f"name_key = excluded.name_key, unit_id = excluded.unit_id, "
        f"village_id = excluded.village_id, appearance_count = excluded.appearance_count, "
        f"perpetrator_count = excluded.perpetrator_count, first_seen = excluded.first_seen, "
        f"last_seen = excluded.last_seen, aliases = '', updated_at = excluded.updated_at"
    )
    # Aliases are rare (绰号): gathered in Python, which also keeps the join dialect-free.
    aliases: dict[str, list[str]] = {}
    for key, alias in _rows(
        f"SELECT person_key, alias FROM {source} WHERE alias <> ''{key_filter} "
        f"ORDER BY occurred_on, incident_kind, source_id"
    ):
        if alias not in aliases.setdefault(key, []):
            aliases[key].append(alias)
    for key, names in aliases.items():
        Person.objects.filter(person_key=key).update(aliases="、".join(names)[:200])
    # The persons refreshed: every one on a rebuild, those of the touched keys otherwise (a
    # count of the whole table would cost an incremental refresh 40 ms at 6 million links).
    return _rows(f"SELECT COUNT(*) FROM {P} WHERE 1 = 1{key_filter}")[0][0]


def _link_appearances_to_persons() -> None:
    _run(
        f"UPDATE {A} SET person_id = (SELECT id FROM {P} WHERE {P}.person_key = {A}.person_key) "
        f"WHERE person_key IN (SELECT k FROM an_keys)"
    )


def _refresh_identifiers(only_work_set: bool) -> None:
    # In a rebuild every appearance has its person: no test on person_id, which would lead SQLite
    # to walk the (person, occurred_on) index and fetch millions of rows at random.
    key_filter = (
        " AND a.person_id IS NOT NULL AND a.person_key IN (SELECT k FROM an_keys)"
        if only_work_set
        else ""
    )
    columns = "(person_id, kind, value, masked, appearance_count)"
    # Each written in the unique constraint's order (person first): PostgreSQL took 190 s at 6
    # million links to insert them in the order its hash aggregate left them (decision 0036).
    for kind, value, masked in (
        (IdentifierKind.ID_NUMBER, "id_number_index", "id_number_masked"),
        (IdentifierKind.PHONE, "phone_index", "phone_masked"),
    ):
        _run(
            f"INSERT INTO {PI} {columns} "
            f"SELECT a.person_id, '{kind}', a.{value}, MAX(a.{masked}), COUNT(*) FROM {A} a "
            f"WHERE a.{value} <> ''{key_filter} "
            f"GROUP BY a.person_id, a.{value} ORDER BY a.person_id, a.{value}"
        )
    plates = (
        (IncidentKind.CASE, CasePersonPlate._meta.db_table, "person_id"),
        (IncidentKind.LEAD, SubjectPlate._meta.db_table, "subject_id"),
    )
    union = " UNION ALL ".join(
        f"SELECT a.person_id, x.number FROM {A} a JOIN {table} x ON x.{owner} = a.source_id "
        f"WHERE a.incident_kind = '{kind}'{key_filter}"
        for kind, table, owner in plates
    )
    _run(
        f"INSERT INTO {PI} {columns} "
        f"SELECT person_id, 'plate', number, number, COUNT(*) FROM ({union}) p "
        f"GROUP BY person_id, number ORDER BY person_id, number"
    )


def _refresh_shared(only_work_set: bool, share_cap: int) -> None:
    """Mobiles given for more distinct names than the cap: listed for review, not linking. Read
    from the counts `_count_phones` made for resolution (every mobile of the work set, or every
    mobile), not from the appearances again."""
    table = SharedIdentifier._meta.db_table
    phone_filter = " AND value IN (SELECT v FROM an_phones)" if only_work_set else ""
    _run(f"DELETE FROM {table} WHERE kind = 'phone'{phone_filter}")
    _run(
        f"INSERT INTO {table} (kind, value, masked, distinct_names, appearance_count) "
        f"SELECT 'phone', phone, masked, names, appearances FROM an_phone_names WHERE names > %s",
        [share_cap],
    )


def _refresh_suggestions(only_work_set: bool, names_never_suggested: frozenset[str]) -> None:
    """疑似同一人: persons with the same name in the same village, at least one of them without
    an ID number (two different ID numbers are two people). Open suggestions whose persons are
    gone are dropped; decided ones stay as the office's record.

    Only name groups of two to `MAX_NAMESAKES_SUGGESTED` persons are paired, and the groups are
    found before the join, so a village full of 王建国 costs one GROUP BY, not its square; an
    incremental refresh looks only at the groups of the persons it touched."""
    table = SamePersonSuggestion._meta.db_table
    # An incremental refresh looks at the touched persons' suggestions by each key in turn (one
    # index each): an OR of the two had PostgreSQL read all of them, 250 ms at 700,000.
    touched_by = (
        [" AND first_key IN (SELECT k FROM an_keys)", " AND second_key IN (SELECT k FROM an_keys)"]
        if only_work_set
        else [""]
    )
    for touched in touched_by:
        _run(
            f"DELETE FROM {table} WHERE status = %s{touched} AND (NOT EXISTS "
            f"(SELECT 1 FROM {P} p WHERE p.person_key = first_key) OR NOT EXISTS "
            f"(SELECT 1 FROM {P} p WHERE p.person_key = second_key))",
            [SuggestionStatus.OPEN],
        )
    touched_groups = (
        f" AND (name_key, village_id) IN (SELECT name_key, village_id FROM {P} "
        f"WHERE person_key IN (SELECT k FROM an_keys))"
        if only_work_set
        else ""
    )
    placeholders = ", ".join(["%s"] * len(names_never_suggested)) or "''"
    groups = (
        f"SELECT name_key, village_id FROM {P} WHERE name_key <> '' AND village_id IS NOT NULL "
        f"AND name_key NOT LIKE '%%某%%' AND name_key NOT IN ({placeholders}){touched_groups} "
        f"GROUP BY name_key, village_id HAVING COUNT(*) BETWEEN 2 AND {MAX_NAMESAKES_SUGGESTED}"
    )
    pairs = (
        f"SELECT a.person_key AS first_key, b.person_key AS second_key, a.name, a.village_id "
        f"FROM ({groups}) g "
        f"JOIN {P} a ON a.name_key = g.name_key AND a.village_id = g.village_id "
        f"JOIN {P} b ON b.name_key = g.name_key AND b.village_id = g.village_id "
        f"AND a.person_key < b.person_key "
        f"WHERE NOT (a.person_key LIKE '1:%%' AND b.person_key LIKE '1:%%') "
        f"ORDER BY a.person_key, b.person_key"
    )
    # Inserted in the unique constraint's order: at 6 million links (700,000 pairs) inserting
    # them as the join finds them took twice as long, each probe at random (decision 0036).
    _insert_ignore(
        table,
        f"(first_key, second_key, name, village_id, status, reason, created_at) "
        f"SELECT first_key, second_key, name, village_id, %s, '', CURRENT_TIMESTAMP "
        f"FROM ({pairs}) x WHERE TRUE",
        [SuggestionStatus.OPEN, *sorted(names_never_suggested)],
    )


# ---------------------------------------------------------------------------------------------
# Entry points


def refresh(incidents: Iterable[tuple[str, int]]) -> RefreshResult:
    """Re-read the people of these (kind, id) incidents and re-resolve everything they touch."""
    work = sorted(set(incidents))
    if not work:
        return RefreshResult()
    return _refresh(work=work)


def refresh_persons(person_keys: Iterable[str]) -> RefreshResult:
    """Re-resolve the incidents of these persons (after a merge, split or exclusion)."""
    keys = list(set(person_keys))
    incidents: set[tuple[str, int]] = set()
    for start in range(0, len(keys), 500):
        incidents.update(
            Appearance.objects.filter(person_key__in=keys[start : start + 500]).values_list(
                "incident_kind", "incident_id"
            )
        )
    return refresh(incidents)


def refresh_identifier(kind: str, value: str) -> RefreshResult:
    """Re-resolve everyone given this ID number or mobile (an exclusion added or lifted)."""
    column = "id_number_index" if kind == IdentifierKind.ID_NUMBER else "phone_index"
    incidents = set(
        Appearance.objects.filter(**{column: value}).values_list("incident_kind", "incident_id")
    )
    return refresh(incidents)


def rebuild(*, unit: Unit | None = None, progress: Progress | None = None) -> RefreshResult:
    """Everything from scratch (or every incident of `unit`'s subtree)."""
    if unit is None:
        return _refresh(work=None, progress=progress)
    work: list[tuple[str, int]] = []
    for kind, model in (
        (IncidentKind.CASE, Case),
        (IncidentKind.LEAD, Lead),
        (IncidentKind.TIP, Tip),
    ):
        ids = model.objects.filter(unit__path__startswith=unit.path).values_list("id", flat=True)
        work.extend((kind, pk) for pk in ids)
    return _refresh(work=work, progress=progress)


def _note_identifiers_of_work_set() -> None:
    for table, column in (("an_ids", "id_number_index"), ("an_phones", "phone_index")):
        _insert_ignore(
            table,
            f"SELECT DISTINCT {column} FROM {A} WHERE {column} <> '' AND {IN_WORK_SET}",
        )


def _gather_affected_appearances() -> None:
    _insert_ignore("an_apps", f"SELECT id FROM {A} WHERE {IN_WORK_SET}")
    _insert_ignore("an_apps", f"SELECT id FROM {A} WHERE id_number_index IN (SELECT v FROM an_ids)")
    _insert_ignore("an_apps", f"SELECT id FROM {A} WHERE phone_index IN (SELECT v FROM an_phones)")


def _note_keys(condition: str) -> None:
    _insert_ignore(
        "an_keys",
        f"SELECT DISTINCT person_key FROM {A} WHERE person_key <> '' AND {condition}",
    )


Step = tuple[str, Callable[[], None]]


def _refresh_links(*, only_work_set: bool, cap: int) -> None:
    _refresh_identifiers(only_work_set)
    _refresh_shared(only_work_set, cap)


def _incremental_steps(
    work: list[tuple[str, int]], cap: int, names: frozenset[str], result: RefreshResult
) -> list[Step]:
    def prepare() -> None:
        _prepare_work_tables()
        for start in range(0, len(work), 400):
            chunk = work[start : start + 400]
            _run(
                "INSERT INTO an_incidents (kind, id) VALUES "
                + ", ".join(["(%s, %s)"] * len(chunk)),
                [value for pair in chunk for value in pair],
            )
        _analyse("an_incidents")
        _note_identifiers_of_work_set()
        _analyse("an_ids", "an_phones")

    def appearances() -> None:
        _note_keys(IN_WORK_SET)  # the persons they were: refreshed even if they vanish
        _run(f"DELETE FROM {A} WHERE {IN_WORK_SET}")
        result.appearances = _insert_appearances(True)
        _note_identifiers_of_work_set()

    def identities() -> None:
        _analyse("an_ids", "an_phones")  # more of them now: the incidents' new identifiers
        _gather_affected_appearances()
        _note_keys(AFFECTED)
        _analyse("an_apps", "an_keys", "an_phone_names", "an_phone_owner", "an_alias")
        _resolve_identities(cap)
        _note_keys(AFFECTED)
        _analyse("an_keys")

    def persons() -> None:
        result.persons = _refresh_persons(source=A, only_work_set=True)
        _link_appearances_to_persons()

    return [
        ("准备", prepare),
        ("读取涉案人员、被反映人和被举报人", appearances),
        ("按身份证号、手机号归并人员", identities),
        ("更新人员", persons),
        ("更新号码关联", lambda: _refresh_links(only_work_set=True, cap=cap)),
        ("疑似同一人", lambda: _refresh_suggestions(True, names)),
        ("研判提示", lambda: _run_hooks(result, full=False)),
    ]


def _bulk_steps(cap: int, names: frozenset[str], result: RefreshResult) -> list[Step]:
    """Everything from scratch, each table written once: the sources are read into a staging
    table, keyed into a second one, persons upserted from it, and the appearances written with
    their person in one INSERT while the table's other indexes are set aside (building an index
    once is far cheaper than keeping it up to date through millions of inserts)."""

    def read() -> None:
        _prepare_work_tables()
        for table in ("an_stage", "an_keyed"):
            _run(f"DROP TABLE IF EXISTS {table}")
        _run(f"CREATE TEMPORARY TABLE an_stage ({STAGE_COLUMNS})")
        result.appearances = _insert_appearances(False, into="an_stage")

    def identities() -> None:
        _count_phones("an_stage")
        _fill_aliases()
        plain = ", ".join(f"s.{column}" for column in SOURCE_COLUMNS)
        _run(
            f"CREATE TEMPORARY TABLE an_keyed AS SELECT k.*, "
            f"COALESCE(al.canonical, k.identity_key) AS person_key FROM "
            f"(SELECT {plain}, {_identity_expression('s', joined=True)} AS identity_key "
            f"FROM an_stage s {IDENTITY_JOINS}) k "
            f"LEFT JOIN an_alias al ON al.raw = k.identity_key ORDER BY {KEYED_ORDER}",
            [cap],
        )
        # Written in the persons' order: the index below is built from sorted input, the
        # persons' window reads the table through it without a sort, and the appearances'
        # join to persons (both in key order) reads it sequentially, not at random.
        _run(f"CREATE INDEX an_keyed_person ON an_keyed ({KEYED_ORDER})")

    # The indexes stay aside from the write of the appearances until the identifiers are
    # written too: both read the appearances in full, which is a sequential scan without them.
    indexes_aside = ExitStack()

    def write() -> None:
        columns = ", ".join((*SOURCE_COLUMNS, "identity_key", "person_key"))
        keyed = ", ".join(
            f"k.{column}" for column in (*SOURCE_COLUMNS, "identity_key", "person_key")
        )
        indexes_aside.enter_context(_secondary_indexes_set_aside(A, PI, P, unique=(A, PI)))
        _empty(PI)
        _empty(A)
        result.persons = _refresh_persons(source="an_keyed", only_work_set=False)
        _run(
            f"INSERT INTO {A} ({columns}, person_id) SELECT {keyed}, p.id FROM an_keyed k "
            f"JOIN {P} p ON p.person_key = k.person_key"
        )
        for table in ("an_stage", "an_keyed"):
            _run(f"DROP TABLE {table}")

    def restore_indexes() -> None:
        indexes_aside.close()
        _analyse(A, P, PI)

    return [
        ("读取涉案人员、被反映人和被举报人", read),
        ("按身份证号、手机号归并人员", identities),
        ("写入人员和出现记录", write),
        ("更新号码关联", lambda: _refresh_links(only_work_set=False, cap=cap)),
        ("重建索引", restore_indexes),
        ("疑似同一人", lambda: _refresh_suggestions(False, names)),
        ("研判提示", lambda: _run_hooks(result, full=True)),
    ]


@contextmanager
def _secondary_indexes_set_aside(*tables: str, unique: tuple[str, ...] = ()) -> Iterator[None]:
    """Drop the tables' non-unique indexes and create them again, exactly as they were (the
    database's own definitions), around a bulk write; all inside the caller's transaction.

    On PostgreSQL their foreign keys go aside too, and the unique constraints of the tables in
    `unique` (tables the caller empties and refills): a foreign key checks every inserted row
    by a trigger, and a unique index is kept up to date row by row in whatever order rows come;
    put back, each is one set-wise validation or one sorted build. At 6 million links the
    per-row checks were most of PostgreSQL's rebuild (decision 0036). Whatever the write left
    wrong, putting them back fails and the transaction with it. SQLite keeps its foreign keys
    unchecked until the commit and cannot drop a unique constraint."""
    postgres = connection.vendor == "postgresql"
    found: list[tuple[str, str]] = []
    constraints: list[tuple[str, str, str]] = []
    for table in tables:
        if postgres:
            found += _rows(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s "
                "AND i.indexdef NOT LIKE 'CREATE UNIQUE%%'",
                [table],
            )
            kinds = "'f', 'u'" if table in unique else "'f'"
            constraints += _rows(
                f"SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                f"FROM pg_constraint WHERE conrelid = %s::regclass AND contype IN ({kinds}) "
                f"ORDER BY contype, conname",
                [table],
            )
        else:
            found += _rows(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%%'",
                [table],
            )
    if postgres:
        # PostgreSQL refuses index DDL on a table with deferred foreign-key checks pending:
        # check each statement's rows as it ends while the indexes are away.
        _run("SET CONSTRAINTS ALL IMMEDIATE")
    for table, name, _ in constraints:
        _run(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in found:
        _run(f'DROP INDEX "{name}"')
    yield
    for _, definition in found:
        _run(definition)
    # Unique constraints first ('u' sorts after 'f': put back in reverse), then foreign keys.
    for table, name, definition in reversed(constraints):
        _run(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    if postgres:
        _run("SET CONSTRAINTS ALL DEFERRED")


def _analyse(*tables: str) -> None:
    """Fresh planner statistics for rewritten tables. Without them SQLite reads "also appears in"
    by the incident kind (every case's appearances, 2 s) instead of by the person (20 ms); a
    sample of 1,000 rows an index is enough and takes a fraction of a second (decision 0034).

    Also for the incremental path's work tables once filled: neither database keeps statistics
    on a temporary table unless told, and without them both took the work set for large and
    scanned a whole index of the appearances (60 ms at 900,000 links for one case on SQLite,
    seconds at 6 million on PostgreSQL) instead of looking its few rows up (decision 0036)."""
    if connection.vendor == "sqlite":
        _run("PRAGMA analysis_limit = 1000")
    for table in tables:
        _run(f"ANALYZE {table}")


def _empty(table: str) -> None:
    """Every row out: TRUNCATE on PostgreSQL (transactional there); a plain DELETE on SQLite,
    cheap once the indexes are set aside."""
    if connection.vendor == "postgresql":
        _run(f"TRUNCATE {table}")
    else:
        _run(f"DELETE FROM {table}")


@contextmanager
def _large_page_cache() -> Iterator[None]:
    """SQLite's default page cache is 2 MB, for the main database and again for the temporary
    one where the staging tables live; a rebuild of millions of rows sorts and builds indexes
    far faster with 256 MB each (well inside the 2 GB the rebuild may use), and with a second
    thread for its sorts (SQLite's own worker threads: the machine has two cores). PostgreSQL's
    defaults (4 MB a sort, 64 MB an index build) spill the rebuild's sorts to disk; raised for
    this transaction only."""
    if connection.vendor == "postgresql":
        _run("SET LOCAL work_mem = '64MB'")
        _run("SET LOCAL maintenance_work_mem = '256MB'")
        yield
        return
    with sqlite_pragmas(main__cache_size=-262144, temp__cache_size=-262144, threads=2):
        yield


def _run_hooks(result: RefreshResult, *, full: bool) -> None:
    keys = set() if full else {row[0] for row in _rows("SELECT k FROM an_keys")}
    result.affected_persons = len(keys)
    for hook in _after_refresh:
        hook(keys, full)


def _refresh(
    *, work: list[tuple[str, int]] | None, progress: Progress | None = None
) -> RefreshResult:
    analysis_settings = current_settings()
    cap = analysis_settings.identifier_share_cap
    names = common_names(analysis_settings)
    result = RefreshResult()
    started = time.monotonic()
    if work is None:
        steps = _bulk_steps(cap, names, result)
    else:
        steps = _incremental_steps(work, cap, names, result)
    with transaction.atomic(), _large_page_cache():
        # A full rebuild covers whatever waited in the outbox when it began; later rows stay.
        covered = PendingChange.objects.order_by("-id").values_list("id", flat=True).first()
        for number, (label, run_step) in enumerate(steps, start=1):
            began = time.monotonic()
            run_step()
            result.steps.append((label, time.monotonic() - began))
            if progress is not None:
                progress(number, len(steps), label)
        if work is None and covered is not None:
            PendingChange.objects.filter(id__lte=covered).delete()
    result.seconds = time.monotonic() - started
    return result
