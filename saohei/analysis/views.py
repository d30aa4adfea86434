"""识别建议 pages: what extraction finds in a record's own texts, each with a link that pre-fills
the record's add form. Nothing is written here; the link carries offsets, never the values."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from saohei.analysis.extraction import extract
from saohei.common.access import role_required
from saohei.leads import access as lead_access
from saohei.organisations.access import content_units
from saohei.organisations.models import User

# What a suggestion of each kind fills in on the add form.
FIELDS = {"persons": "name", "id_numbers": "id_number", "phones": "phone"}
KIND_LABELS = {
    "persons": "人名",
    "id_numbers": "身份证号",
    "phones": "手机号",
    "plates": "车牌",
    "places": "地名",
}


@dataclass(frozen=True)
class Suggestion:
    kind: str
    kind_label: str
    text: str
    source_label: str
    add_url: str  # "" when the add form has no field for it (plates, places)
    is_valid: bool | None = None


@require_GET
@role_required(*lead_access.OFFICE_ROLES)
def lead_suggestions_view(request: HttpRequest, lead_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    lead = lead_access.get_lead_for_user(user, lead_id)
    if not lead_access.can_manage_lead(user, lead):
        return HttpResponse(
            "只有本镇扫黑办工作人员或领导小组组长、副组长可以使用识别建议", status=403
        )
    places = list(content_units(user).values_list("name", flat=True))
    add_url = reverse("leads:add_subject", args=[lead.pk])
    suggestions: list[Suggestion] = []
    for source, source_label in (("summary", "摘要"), ("narrative", "详细情况")):
        found = extract(getattr(lead, source), local_places=places)
        for kind, label in KIND_LABELS.items():
            for span in getattr(found, kind):
                field = FIELDS.get(kind)
                query = {"field": field, "source": source, "start": span.start, "end": span.end}
                suggestions.append(
                    Suggestion(
                        kind=kind,
                        kind_label=label,
                        text=span.text,
                        source_label=source_label,
                        add_url=f"{add_url}?{urlencode(query)}" if field else "",
                        is_valid=getattr(span, "valid", None),
                    )
                )
    return render(request, "analysis/suggestions.html", {"lead": lead, "suggestions": suggestions})
