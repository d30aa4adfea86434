"""The filters of 重点人员 and 同案人员 (input shape only; `lists` reads)."""

from typing import Any

from django import forms
from django.http import QueryDict
from django.utils import timezone

from saohei.analysis.lists import DEFAULT_MIN_TOGETHER, ListFilters, default_window
from saohei.cases.access import case_towns
from saohei.cases.models import Nature
from saohei.cases.queries import villages_for
from saohei.common.dates import DateKind, date_field
from saohei.common.forms import DATE_INPUT, StyledForm
from saohei.organisations.models import Unit, User

# More than any real group offends together; past it the list would be empty anyway.
MAX_MIN_TOGETHER = 50


class KeyPersonFilterForm(StyledForm):
    # Police cases reach back to 1949 (HISTORY); the window never ends in the future.
    date_from = date_field(DateKind.HISTORY, label="起始日期", widget=DATE_INPUT)
    date_to = date_field(DateKind.HISTORY, label="截止日期", widget=DATE_INPUT)
    town = forms.ModelChoiceField(
        label="镇（街道）", queryset=Unit.objects.none(), required=False, empty_label="全部"
    )
    village = forms.ModelChoiceField(
        label="村", queryset=Unit.objects.none(), required=False, empty_label="全部村"
    )
    nature = forms.ChoiceField(
        label="性质", required=False, choices=[("", "刑事和治安"), *Nature.choices]
    )
    offence = forms.CharField(
        label="案由", required=False, max_length=50, help_text="案由中含有此词的案件"
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_queryset("town", case_towns(user).order_by("path"))
        self.set_queryset("village", villages_for(user))
        self.fields["offence"].widget.attrs.update(
            {"placeholder": "如 寻衅滋事", "list": "offence-types"}
        )
        self.add_cross_check(_window_in_order)

    def filters(self) -> ListFilters:
        """The filters of a valid form."""
        data = self.cleaned_data
        return ListFilters(
            date_from=data["date_from"],
            date_to=data["date_to"],
            town_id=data["town"].pk if data["town"] else None,
            village_id=data["village"].pk if data["village"] else None,
            nature=data["nature"],
            offence=data["offence"].strip(),
            min_together=data.get("min_together") or DEFAULT_MIN_TOGETHER,
        )


class CoOffenderFilterForm(KeyPersonFilterForm):
    min_together = forms.IntegerField(
        label="共同作案至少（次）",
        min_value=2,
        max_value=MAX_MIN_TOGETHER,
        help_text="两人同为作案人的案件数达到此数即列出",
    )


def _window_in_order(form: KeyPersonFilterForm) -> None:
    start, end = form.cleaned_data.get("date_from"), form.cleaned_data.get("date_to")
    if start and end and start > end:
        form.add_error("date_from", "起始日期不能晚于截止日期")


def with_defaults(query: QueryDict) -> QueryDict:
    """The query string with the default window (the last three years) and threshold filled in
    where left empty, so the form, the list and the ledger's title all state them."""
    data = query.copy()
    start, end = default_window(timezone.localdate())
    defaults = {
        "date_from": start.isoformat(),
        "date_to": end.isoformat(),
        "min_together": str(DEFAULT_MIN_TOGETHER),
    }
    for name, value in defaults.items():
        if not data.get(name):
            data[name] = value
    return data
