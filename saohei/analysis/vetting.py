"""村"两委"候选人资格联审 (issue 12): reading a candidate list and checking it against the registry.

`read_candidates` reads the list (.xlsx or CSV in UTF-8 or GBK: 村, 姓名, 身份证号, 拟任职务) with
the case import's file checks and lists every bad row; `check_candidates` finds, for the whole
list at once, what the registry holds on each candidate — as the viewer may see it:

1. the persons given the candidate's ID number (blind index), in one query;
2. perpetrator appearances in police cases, by ID number or person, in one query;
3. appearances as 被反映人 of a lead that is open or 查实, in one query;
4. prompts the persons are members of (`_prompt_reasons`);
5. where the ID number matches no one, the same name in the same village without an ID number
   in those cases and leads is a 同名 hint (found by the queries of steps 2 and 3).

Nothing here writes; `services.run_vetting` stores the sheet.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from saohei.analysis.access import visible_appearances, visible_prompts
from saohei.analysis.models import (
    Appearance,
    FindingKind,
    IdentifierKind,
    IncidentKind,
    PersonIdentifier,
    PromptMember,
    VettingCandidate,
)
from saohei.cases.access import visible_cases
from saohei.cases.importing import (
    RowError,
    UnreadableFile,
    cell_code,
    cell_text,
    find_header,
    identifier_from_cell,
    is_empty_row,
    open_single_table,
    shown,
)
from saohei.cases.models import Case, Nature, PersonRole
from saohei.common.dates import format_date
from saohei.common.errors import ServiceError
from saohei.common.pii import blind_index, clean_id_number
from saohei.common.validation import text_problem
from saohei.leads.access import visible_leads
from saohei.leads.models import (
    OPEN_STATUSES,
    SUBSTANTIATED_CONCLUSIONS,
    Conclusion,
    Lead,
    Status,
)
from saohei.organisations.models import User

SHEET = "候选人"
VILLAGE, NAME, ID_NUMBER, POSITION = "村", "姓名", "身份证号", "拟任职务"
COLUMNS = (VILLAGE, NAME, ID_NUMBER, POSITION)
MAX_NAME, MAX_POSITION = 50, 50
# A town elects a few hundred; the cap keeps one list's lookups within the databases' limits
# on query parameters (SQLite: 32,766).
MAX_CANDIDATES = 3_000


@dataclass(frozen=True)
class CandidateRow:
    row: int
    village_id: int
    village_name: str
    name: str
    id_number: str  # cleaned; sealed when stored, never shown in clear
    position: str

    @property
    def name_key(self) -> str:
        """As the registry compares names (`registry._name_key`): without spaces."""
        return self.name.replace(" ", "").replace("\u3000", "")

    @property
    def id_index(self) -> str:
        return blind_index("id_number", self.id_number)


@dataclass
class CandidateList:
    candidates: list[CandidateRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def refuse(self, row: int, column: str, message: str) -> None:
        self.errors.append(RowError(SHEET, row, column, message))


def read_candidates(
    file: IO[bytes], kind: str, *, villages: dict[str, int], town_name: str
) -> CandidateList:
    """Every row checked: 村 a village of the town, 姓名 and 拟任职务 present, 身份证号 valid
    (checksum and birth date) and not twice in the list. Raises `UnreadableFile` when the file
    as a whole cannot be read."""
    result = CandidateList()
    by_name = {cell_code(name): (pk, name) for name, pk in villages.items()}
    with open_single_table(file, kind, name=SHEET) as table:
        header = find_header(table, ID_NUMBER)
        if header is None:
            result.refuse(1, ID_NUMBER, "未找到表头：前10行中没有“身份证号”列")
            return result
        header_row, positions = header
        missing = [title for title in COLUMNS if title not in positions]
        for title in missing:
            result.refuse(header_row, title, f"缺少必填列“{title}”")
        if missing:
            return result
        first_row_of: dict[str, int] = {}
        rows = 0
        for row_number, values in table.rows:
            if is_empty_row(values):
                continue
            rows += 1
            if rows > MAX_CANDIDATES:
                raise UnreadableFile(f"候选人名单超过 {MAX_CANDIDATES} 行，请按村分批联审")
            raw = {
                title: values[positions[title]] if positions[title] < len(values) else None
                for title in COLUMNS
            }
            candidate = _candidate(row_number, raw, by_name, town_name, result)
            if candidate is None:
                continue
            first = first_row_of.setdefault(candidate.id_number, row_number)
            if first != row_number:
                result.refuse(row_number, ID_NUMBER, f"身份证号与第{first}行重复")
                continue
            result.candidates.append(candidate)
    if not result.errors and not result.candidates:
        result.refuse(header_row, "", "名单中没有候选人")
    return result


def _candidate(
    row: int,
    raw: dict[str, Any],
    villages: dict[str, tuple[int, str]],
    town_name: str,
    result: CandidateList,
) -> CandidateRow | None:
    errors_before = len(result.errors)
    texts = {}
    for title, limit in ((NAME, MAX_NAME), (POSITION, MAX_POSITION)):
        text = cell_text(raw[title])
        problem = text_problem(text, multiline=False)
        if not text:
            result.refuse(row, title, f"{title}不能为空")
        elif len(text) > limit:
            result.refuse(row, title, f"超过{limit}个字")
        elif problem:
            result.refuse(row, title, problem)
        texts[title] = text
    village = villages.get(cell_code(raw[VILLAGE]))
    if not cell_text(raw[VILLAGE]):
        result.refuse(row, VILLAGE, "村不能为空")
    elif village is None:
        result.refuse(row, VILLAGE, f"“{shown(raw[VILLAGE])}”不是{town_name}的村（社区）")
    id_number = ""
    try:
        id_number = identifier_from_cell(raw[ID_NUMBER], ID_NUMBER, clean_id_number)
    except ServiceError as error:
        # The message never repeats the number itself.
        result.refuse(row, ID_NUMBER, error.message)
    else:
        if not id_number:
            result.refuse(row, ID_NUMBER, "身份证号不能为空")
    if len(result.errors) != errors_before or village is None:
        return None
    return CandidateRow(
        row=row,
        village_id=village[0],
        village_name=village[1],
        name=texts[NAME],
        id_number=id_number,
        position=texts[POSITION],
    )


# --- Checking -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One reason for 需复核: `record` and `record_id` name the case, lead or prompt it rests on."""

    kind: str  # FindingKind
    record: str  # IncidentKind.CASE, IncidentKind.LEAD or FindingKind.PROMPT
    record_id: int
    number: str
    text: str
    on: date | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "record": self.record,
            "record_id": self.record_id,
            "number": self.number,
            "text": self.text,
            "on": self.on.isoformat() if self.on else None,
        }

    @classmethod
    def from_dict(cls, stored: dict[str, Any]) -> "Finding":
        return cls(
            kind=stored["kind"],
            record=stored["record"],
            record_id=stored["record_id"],
            number=stored["number"],
            text=stored["text"],
            on=date.fromisoformat(stored["on"]) if stored.get("on") else None,
        )


def check_candidates(user: User, candidates: Sequence[CandidateRow]) -> list[list[Finding]]:
    """Per candidate, in order, the reasons for 需复核 ([] is 无记录), from what `user` may see.
    One query per kind of record for the whole list (the module's steps)."""
    indexes = {candidate.id_index for candidate in candidates}
    # 1. Persons given these ID numbers, seen through the viewer's appearances.
    indexes_of_person: dict[int, set[str]] = defaultdict(set)
    for person_id, index in PersonIdentifier.objects.filter(
        Exists(visible_appearances(user, few=True).filter(person_id=OuterRef("person_id"))),
        kind=IdentifierKind.ID_NUMBER,
        value__in=indexes,
    ).values_list("person_id", "value"):
        indexes_of_person[person_id].add(index)
    names = {(candidate.name_key, candidate.village_id) for candidate in candidates}
    matching = Q(id_number_index__in=indexes) | Q(person_id__in=list(indexes_of_person))
    # 5. Someone with the same name in the same village whom no ID number identifies.
    namesake = Q(
        name_key__in={name for name, _ in names},
        village_id__in={village for _, village in names},
        id_number_index="",
    ) & ~Q(person_key__startswith="1:")
    rows = visible_appearances(user, few=True).filter(matching | namesake)
    # 2. and 3.
    found = [*_case_rows(rows), *_lead_rows(rows)]

    matched = set().union(*indexes_of_person.values()) if indexes_of_person else set()
    matched |= {row.id_index for row in found if row.id_index}
    results: list[list[Finding]] = []
    for candidate, prompt_findings in zip(
        candidates, _prompt_reasons(user, candidates, indexes_of_person), strict=True
    ):
        index = candidate.id_index
        findings: dict[tuple[str, int], Finding] = {}
        for row in found:
            identified = row.id_index == index or index in indexes_of_person.get(
                row.person_id or 0, ()
            )
            if identified:
                findings.setdefault((row.record, row.record_id), row.finding)
            elif (
                index not in matched
                and row.is_namesake_of(candidate.name_key, candidate.village_id)
                and (row.record, row.record_id) not in findings
            ):
                findings[(row.record, row.record_id)] = row.namesake_finding(candidate)
        ordered = sorted(
            findings.values(),
            key=lambda finding: (finding.kind == FindingKind.NAMESAKE, -_ordinal(finding.on)),
        )
        results.append([*ordered, *prompt_findings])
    return results


def _ordinal(day: date | None) -> int:
    return day.toordinal() if day else 0


@dataclass(frozen=True)
class _Row:
    """An appearance found for the list, with what its reason says."""

    record: str
    record_id: int
    id_index: str
    person_id: int | None
    person_key: str
    name_key: str
    village_id: int | None
    finding: Finding

    def is_namesake_of(self, name_key: str, village_id: int) -> bool:
        return (
            not self.id_index
            and not self.person_key.startswith("1:")
            and self.name_key == name_key
            and self.village_id == village_id
        )

    def namesake_finding(self, candidate: CandidateRow) -> Finding:
        return Finding(
            kind=FindingKind.NAMESAKE,
            record=self.record,
            record_id=self.record_id,
            number=self.finding.number,
            text=f"同名：{candidate.village_name}有同名人员（无身份证号），{self.finding.text}；"
            "需核实是否同一人",
            on=self.finding.on,
        )


_APPEARANCE_FIELDS = (
    "incident_id",
    "id_number_index",
    "person_id",
    "person_key",
    "name_key",
    "village_id",
    "occurred_on",
    "role",
    "nature",
)


def _case_rows(rows: "QuerySet[Appearance]") -> Iterable[_Row]:
    """Perpetrator appearances in police cases, with each case's number, level and date."""
    number = Case.objects.filter(pk=OuterRef("incident_id")).values("number")[:1]
    for found in (
        rows.filter(incident_kind=IncidentKind.CASE, is_perpetrator=True)
        .annotate(number=Subquery(number))
        .values(*_APPEARANCE_FIELDS, "number")
    ):
        nature = Nature(found["nature"]).label if found["nature"] in Nature.values else ""
        role = PersonRole(found["role"]).label if found["role"] in PersonRole.values else ""
        on = found["occurred_on"]
        yield _row(
            found,
            Finding(
                kind=FindingKind.CASE,
                record=IncidentKind.CASE,
                record_id=found["incident_id"],
                number=found["number"],
                text=f"治安案件 {found['number']}（{nature}，{format_date(on)}）{role}",
                on=on,
            ),
        )


def _lead_rows(rows: "QuerySet[Appearance]") -> Iterable[_Row]:
    """被反映人 of leads still open or concluded 查实; a 查否 lead is no reason."""
    counted = Lead.objects.filter(
        Q(status__in=OPEN_STATUSES) | Q(conclusion__in=SUBSTANTIATED_CONCLUSIONS)
    )
    lead = Lead.objects.filter(pk=OuterRef("incident_id"))
    for found in (
        rows.filter(incident_kind=IncidentKind.LEAD, incident_id__in=counted.values("pk"))
        .annotate(
            number=Subquery(lead.values("number")[:1]),
            status=Subquery(lead.values("status")[:1]),
            conclusion=Subquery(lead.values("conclusion")[:1]),
        )
        .values(*_APPEARANCE_FIELDS, "number", "status", "conclusion")
    ):
        if found["status"] in OPEN_STATUSES:
            state = f"线索办理中（{Status(found['status']).label}）"
        else:
            state = f"核查结论：{Conclusion(found['conclusion']).label}"
        yield _row(
            found,
            Finding(
                kind=FindingKind.LEAD,
                record=IncidentKind.LEAD,
                record_id=found["incident_id"],
                number=found["number"],
                text=f"线索 {found['number']} 被反映人，{state}",
                on=found["occurred_on"],
            ),
        )


def _row(found: dict[str, Any], finding: Finding) -> _Row:
    return _Row(
        record=finding.record,
        record_id=finding.record_id,
        id_index=found["id_number_index"],
        person_id=found["person_id"],
        person_key=found["person_key"],
        name_key=found["name_key"],
        village_id=found["village_id"],
        finding=finding,
    )


def _prompt_reasons(
    user: User, candidates: Sequence[CandidateRow], indexes_of_person: dict[int, set[str]]
) -> list[list[Finding]]:
    """Per candidate, the current 研判提示 the viewer may see whose members include the candidate's
    person (found by ID number): one query for the whole list."""
    persons_of_index: dict[str, set[int]] = defaultdict(set)
    for person_id, person_indexes in indexes_of_person.items():
        for index in person_indexes:
            persons_of_index[index].add(person_id)
    memberships: dict[int, list[Finding]] = defaultdict(list)
    if indexes_of_person:
        members = (
            PromptMember.objects.filter(
                person_id__in=list(indexes_of_person),
                prompt__in=visible_prompts(user).filter(is_current=True),
            )
            .select_related("prompt")
            .order_by("-prompt__window_end", "prompt_id")
        )
        for member in members:
            prompt = member.prompt
            memberships[member.person_id].append(
                Finding(
                    kind=FindingKind.PROMPT,
                    record=FindingKind.PROMPT,
                    record_id=prompt.pk,
                    number=f"研判提示 {prompt.pk}",
                    text=(
                        f"{prompt.get_level_display()}（{prompt.get_status_display()}）成员，"
                        f"角色：{member.get_role_display()}，"
                        f"{format_date(prompt.window_start)}至{format_date(prompt.window_end)}"
                    ),
                    on=prompt.window_end,
                )
            )
    return [
        [
            finding
            for person_id in sorted(persons_of_index.get(candidate.id_index, ()))
            for finding in memberships.get(person_id, [])
        ]
        for candidate in candidates
    ]


# --- Showing ------------------------------------------------------------------------------


@dataclass
class ShownFindings:
    findings: list[Finding]
    hidden: int  # reasons resting on records this viewer may not see


def findings_for_viewer(
    user: User, candidates: Sequence[VettingCandidate]
) -> dict[int, ShownFindings]:
    """Each candidate's stored reasons that rest on records `user` may see now (one query per
    kind of record: cases, leads, prompts — `access.visible_prompts`); the others are only
    counted."""
    stored = {
        candidate.pk: [Finding.from_dict(item) for item in candidate.findings]
        for candidate in candidates
    }
    ids: dict[str, set[int]] = defaultdict(set)
    for findings in stored.values():
        for finding in findings:
            ids[finding.record].add(finding.record_id)
    visible: dict[str, set[int]] = {
        IncidentKind.CASE: set(
            visible_cases(user).filter(pk__in=ids[IncidentKind.CASE]).values_list("pk", flat=True)
        )
        if ids[IncidentKind.CASE]
        else set(),
        IncidentKind.LEAD: set(
            visible_leads(user).filter(pk__in=ids[IncidentKind.LEAD]).values_list("pk", flat=True)
        )
        if ids[IncidentKind.LEAD]
        else set(),
        FindingKind.PROMPT: set(
            visible_prompts(user, few=True)
            .filter(pk__in=ids[FindingKind.PROMPT])
            .values_list("pk", flat=True)
        )
        if ids[FindingKind.PROMPT]
        else set(),
    }
    shown_findings = {}
    for pk, findings in stored.items():
        kept = [f for f in findings if f.record_id in visible.get(f.record, set())]
        shown_findings[pk] = ShownFindings(findings=kept, hidden=len(findings) - len(kept))
    return shown_findings
