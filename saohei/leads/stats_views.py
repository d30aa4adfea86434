"""线索统计 per town and period, with the printable 清仓见底 report."""

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from saohei.common.access import role_required
from saohei.common.dates import DateKind, date_field
from saohei.common.forms import DATE_INPUT, StyledForm
from saohei.leads import stats
from saohei.leads.access import visible_leads
from saohei.organisations.http import AuthenticatedHttpRequest
from saohei.organisations.models import Unit


class StatsForm(StyledForm):
    # A period starts on a day that has happened; it ends on any day the platform knows.
    date_from = date_field(DateKind.EVENT, label="统计起", widget=DATE_INPUT)
    date_to = date_field(DateKind.PERIOD, label="统计止", widget=DATE_INPUT)
    town = forms.ModelChoiceField(
        label="单位", queryset=Unit.objects.none(), required=False, empty_label="全部镇（街道）"
    )

    def __init__(self, *args: Any, towns: list[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_queryset("town", Unit.objects.filter(pk__in=[town.pk for town in towns]))
        town_field = self.fields["town"]
        assert isinstance(town_field, forms.ModelChoiceField)
        if len(towns) == 1:
            town_field.empty_label = None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", "截止日期不能早于起始日期")
        return cleaned


@role_required(*stats.STATS_ROLES)
def stats_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    towns = stats.list_stats_towns(user)
    this_year = stats.period_presets(today)[-1]
    form = StatsForm(
        request.GET or None,
        towns=towns,
        initial={"date_from": this_year.date_from, "date_to": this_year.date_to},
    )
    statistics = None
    status = 200
    selected_town: Unit | None = None
    if not form.is_bound:
        date_from, date_to = this_year.date_from, this_year.date_to
    elif form.is_valid():
        date_from, date_to = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
        selected_town = form.cleaned_data["town"]
    else:
        status = 400
    if towns and status == 200:
        statistics = stats.get_lead_statistics(
            towns=[selected_town] if selected_town else towns,
            date_from=date_from,
            date_to=date_to,
            today=today,
            # The named list is the viewer's own lead list (a supervisor's: what it registered).
            listable=visible_leads(user),
        )
    town_query = {"town": selected_town.pk} if selected_town else {}
    presets = [
        (
            preset.label,
            urlencode(
                {
                    "date_from": preset.date_from.isoformat(),
                    "date_to": preset.date_to.isoformat(),
                    **town_query,
                }
            ),
            statistics is not None
            and (statistics.date_from, statistics.date_to) == (preset.date_from, preset.date_to),
        )
        for preset in stats.period_presets(today)
    ]
    return render(
        request,
        "leads/stats.html",
        {
            "form": form,
            "towns": towns,
            "scope": [selected_town] if selected_town else towns,
            "statistics": statistics,
            "presets": presets,
            "generated_at": timezone.localtime(),
        },
        status=status,
    )
