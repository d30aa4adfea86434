"""What the lead pages hand out as files, shared by the pages and /api/v1/leads: the list's
filters (one form decides what is filtered), the 线索台账 and a 反馈报告, each with its audit
event."""

from collections.abc import Mapping
from typing import IO, Any

from saohei.common.forms import describe_filters
from saohei.leads import access, queries, services
from saohei.leads.documents import feedback_docx
from saohei.leads.exports import ledger_rows, write_ledger
from saohei.leads.forms import LeadFilterForm
from saohei.leads.models import Feedback, Lead
from saohei.organisations.access import content_units, units_within
from saohei.organisations.models import User
from saohei.organisations.pickers import village_filter


def list_filter_form(
    user: User, data: Mapping[str, Any] | None
) -> tuple[LeadFilterForm, queries.LeadFilters | None]:
    """The list's filter form over `data`; `None` filters when the input was invalid."""
    towns = access.registrable_towns(user)
    # Any village the viewer works in: a village head filters (and drills down) too.
    villages = content_units(user).villages()
    handlers = (
        User.objects.filter(is_active=True, unit__in=units_within([town.path for town in towns]))
        .case_workers()
        .select_related("unit")
        .order_by("unit__path", "real_name", "username")
    )
    form = LeadFilterForm(data or None, villages=villages, handlers=handlers)
    if not form.is_bound:
        return form, queries.LeadFilters()
    if not form.is_valid():
        return form, None
    cleaned = form.cleaned_data
    village_id, without_village = village_filter(cleaned["village"])
    return form, queries.LeadFilters(
        status=cleaned["status"],
        source=cleaned["source"],
        village_id=village_id,
        without_village=without_village,
        category_id=cleaned["category"].pk if cleaned["category"] else None,
        handler_id=cleaned["handler"].pk if cleaned["handler"] else None,
        due_state=cleaned["due"],
        date_from=cleaned["date_from"],
        date_to=cleaned["date_to"],
        text=cleaned["q"],
    )


def write_lead_ledger(
    output: IO[bytes],
    *,
    actor: User,
    form: LeadFilterForm,
    filters: queries.LeadFilters,
    ip_address: str | None,
) -> None:
    """The 线索台账 of what the account's list shows with these filters; every export audited."""
    rows = write_ledger(
        ledger_rows(queries.filter_leads(actor, filters)),
        output,
        exported_by=str(actor),
        filters=describe_filters(form),
    )
    services.record_lead_export(
        actor=actor,
        details={"document": "ledger", "rows": rows, "filters": _filter_summary(filters)},
        ip_address=ip_address,
    )


def _filter_summary(filters: queries.LeadFilters) -> dict[str, Any]:
    """The filters for the audit log; a search term may be a person's name, so only its use."""
    summary: dict[str, Any] = {
        "status": filters.status,
        "source": filters.source,
        "village_id": filters.village_id,
        "without_village": filters.without_village,
        "category_id": filters.category_id,
        "due_state": filters.due_state,
        "date_from": filters.date_from.isoformat() if filters.date_from else None,
        "date_to": filters.date_to.isoformat() if filters.date_to else None,
        "text_search": bool(filters.text),
    }
    return {key: value for key, value in summary.items() if value}


DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def feedback_document(
    *, actor: User, lead: Lead, feedback: Feedback, ip_address: str | None
) -> tuple[bytes, str]:
    """A 反馈报告 as .docx and its file name; the caller fetched both through
    `access.get_feedback_for_office`. Every copy taken out is audited."""
    services.record_lead_export(
        actor=actor,
        lead=lead,
        details={"document": "feedback", "feedback_id": feedback.pk},
        ip_address=ip_address,
    )
    return feedback_docx(feedback, exported_by=str(actor)), f"feedback-{lead.number}.docx"
