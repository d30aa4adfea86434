"""识别建议 of a record: what extraction finds in its own texts, never the reporter, and which of
it the viewer may add where. Read by the pages (`views`) and the API alike; nothing is written.

A lead's or tip's sealed reporter identity is checked server-side (`vault.screening`) and
matching suggestions are left out."""

from dataclasses import dataclass

from saohei.analysis.extraction import extract
from saohei.cases import access as case_access
from saohei.cases.models import Case
from saohei.leads.models import Lead
from saohei.organisations.access import content_units
from saohei.organisations.models import User
from saohei.tips.models import Tip, TipStatus
from saohei.vault.queries import open_reporter_identity
from saohei.vault.screening import carries_identity

# What a suggestion of each kind fills in on an add form (places fill in nothing).
FIELDS = {"persons": "name", "id_numbers": "id_number", "phones": "phone", "plates": "plates"}
KIND_LABELS = {
    "persons": "人名",
    "id_numbers": "身份证号",
    "phones": "手机号",
    "plates": "车牌",
    "places": "地名",
}


class AddTo:
    """Where a suggestion can be added: the record's own add form, or its lead's suggestions."""

    NOWHERE = ""
    LEAD_SUBJECT = "lead_subject"  # 被反映人 of the lead
    TIP_PERSON = "tip_person"  # 被举报人 (a name) of a pending tip
    CASE_PERSON = "case_person"  # 涉案人员 of the case
    LEAD_SUGGESTIONS = "lead_suggestions"  # an accepted tip's text is in its lead now


@dataclass(frozen=True)
class Suggestion:
    kind: str
    kind_label: str
    text: str
    source: str
    source_label: str
    start: int
    end: int
    field: str  # "" for a place: no form takes it
    is_valid: bool | None
    add_to: str  # an `AddTo` value
    note: str  # instead of a place to add it: where it can be added instead


@dataclass(frozen=True)
class RecordSuggestions:
    record: str
    suggestions: list[Suggestion]
    add_label: str = ""
    explanation: str = ""
    lead_id: int | None = None  # an accepted tip's lead


def _found(
    user: User,
    texts: list[tuple[str, str, str]],
    *,
    reporter_reference: str,
    add_to: dict[str, str],
    unlinked_note: str = "",
) -> list[Suggestion]:
    """Suggestions from (source, label, text) triples, without any matching the reporter.
    `add_to` maps a form field to where it is added; a field it lacks carries `unlinked_note`."""
    places = list(content_units(user).values_list("name", flat=True))
    reporter = open_reporter_identity(reporter_reference) if reporter_reference else None
    suggestions: list[Suggestion] = []
    for source, source_label, text in texts:
        found = extract(text, local_places=places)
        for kind, label in KIND_LABELS.items():
            for span in getattr(found, kind):
                if reporter is not None and carries_identity(span.text, reporter):
                    continue
                field = FIELDS.get(kind, "")
                target = add_to.get(field, AddTo.NOWHERE) if field else AddTo.NOWHERE
                suggestions.append(
                    Suggestion(
                        kind=kind,
                        kind_label=label,
                        text=span.text,
                        source=source,
                        source_label=source_label,
                        start=span.start,
                        end=span.end,
                        field=field,
                        is_valid=getattr(span, "valid", None),
                        add_to=target,
                        note=unlinked_note if field and not target else "",
                    )
                )
    return suggestions


def _everywhere(target: str) -> dict[str, str]:
    return dict.fromkeys(FIELDS.values(), target)


def lead_suggestions(user: User, lead: Lead) -> RecordSuggestions:
    """An open lead's suggestions are added as its 被反映人; a closed one's are shown only."""
    return RecordSuggestions(
        record=f"线索 {lead.number}",
        suggestions=_found(
            user,
            [("summary", "摘要", lead.summary), ("narrative", "详细情况", lead.narrative)],
            reporter_reference=lead.reporter_reference,
            add_to=_everywhere(AddTo.LEAD_SUBJECT) if lead.is_open else {},
        ),
        add_label="加入被反映人",
    )


def tip_suggestions(user: User, tip: Tip) -> RecordSuggestions:
    add_to: dict[str, str] = {}
    add_label = explanation = unlinked_note = ""
    if tip.status == TipStatus.PENDING:
        # A tip holds names only; its identifiers reach a lead's subjects after 受理.
        add_to = {"name": AddTo.TIP_PERSON}
        add_label, unlinked_note = "加入被举报人", "受理后可在线索中加入"
    elif tip.lead_id is not None:
        # The tip's text is in its lead's 详细情况 now: the lead's own suggestions add each one.
        add_to = _everywhere(AddTo.LEAD_SUGGESTIONS)
        add_label = "到线索中加入"
        explanation = (
            "该举报已受理，举报内容已写入线索的详细情况，请在线索的识别建议中加入被反映人。"
        )
    return RecordSuggestions(
        record="群众举报",
        suggestions=_found(
            user,
            [("content", "主要问题", tip.content)],
            reporter_reference=tip.reporter_reference,
            add_to=add_to,
            unlinked_note=unlinked_note,
        ),
        add_label=add_label,
        explanation=explanation,
        lead_id=tip.lead_id,
    )


def case_suggestions(user: User, case: Case) -> RecordSuggestions:
    """Police see the suggestions; adding a 涉案人员 by hand is the office's (decision 0035)."""
    can_add = case_access.can_add_person(user, case)
    return RecordSuggestions(
        record=f"案件 {case}",
        suggestions=_found(
            user,
            [("summary", "简要案情", case.summary)],
            reporter_reference="",
            add_to=_everywhere(AddTo.CASE_PERSON) if can_add else {},
        ),
        add_label="加入涉案人员" if can_add else "",
    )
