from typing import Any

from django import forms

from saohei.common.errors import ServiceError


class StyledForm(forms.Form):
    """Bootstrap classes on every widget, so templates render fields with one include."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs.setdefault("class", css)

    def set_queryset(self, name: str, queryset: Any) -> None:
        """Limit a model-choice field to what this user may pick."""
        field = self.fields[name]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = queryset

    def add_service_error(self, error: ServiceError) -> None:
        """Show a refused service call beside its field (or above the form)."""
        field = error.field if error.field in self.fields else None
        self.add_error(field, error.message)
