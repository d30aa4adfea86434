from typing import Any

from django import forms

from saohei.common.dates import DateKind, bound_form_field
from saohei.common.errors import ServiceError


class StyledForm(forms.Form):
    """Bootstrap classes on every widget, so templates render fields with one include; every
    date field bounded by its kind (`common.dates.date_field`; a plain one gets PERIOD)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            _bound_date_field(field)
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs.setdefault("class", css)

    def full_clean(self) -> None:
        # Fields a subclass added after __init__ are bounded too: no form can forget.
        for field in self.fields.values():
            _bound_date_field(field)
        super().full_clean()

    def set_queryset(self, name: str, queryset: Any) -> None:
        """Limit a model-choice field to what this user may pick."""
        field = self.fields[name]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = queryset

    def add_service_error(self, error: ServiceError) -> None:
        """Show a refused service call beside its field (or above the form)."""
        field = error.field if error.field in self.fields else None
        self.add_error(field, error.message)


def _bound_date_field(field: forms.Field) -> None:
    if isinstance(field, forms.DateField | forms.DateTimeField) and not getattr(
        field, "date_bounded", False
    ):
        bound_form_field(field, getattr(field, "date_kind", DateKind.PERIOD))
