import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from saohei.common.dates import DateKind, bound_form_field, format_date
from saohei.common.errors import ServiceError
from saohei.common.pii import (
    blind_index,
    clean_id_number,
    clean_mobile,
    mask_id_number,
    mask_mobile,
)
from saohei.common.plates import EXAMPLE, MAX_PLATES, PLATE_MAX_LENGTH, parse_plates
from saohei.common.rows import StaleVersion
from saohei.common.search import MAX_QUERY_LENGTH, masked_query
from saohei.common.validation import CleanTextValidator, is_valid_id

# Django's "---------" means nothing to a user; every unchosen select says this (decision 0020).
PICK_ONE = "请选择"
DJANGO_EMPTY_LABEL = "---------"


class StyledForm(forms.Form):
    """Bootstrap classes on every widget, so templates render fields with one include; every
    date field bounded by its kind (`common.dates.date_field`; a plain one gets PERIOD).

    Choosing without a manual (decision 0020): an empty select says "请选择", a required record
    choice with a single option starts on it, and a date of something that happened (EVENT)
    starts on today.
    """

    # Set by a refusal over a newer version (`add_service_error`): what differs, and that version.
    stale_changes: "list[StaleChange] | None" = None
    saved_version: int | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._cross_checks: list[Callable[[Any], None]] = []
        for field in self.fields.values():
            _prepare_field(field)

    def add_field(self, name: str, field: forms.Field) -> None:
        """Add a field after `__init__` (one per row of a checklist), styled and guarded alike."""
        _prepare_field(field)
        self.fields[name] = field

    def full_clean(self) -> None:
        # Fields a subclass added after __init__ are bounded too: no form can forget.
        for field in self.fields.values():
            _bound_date_field(field)
        super().full_clean()
        if hasattr(self, "cleaned_data"):
            for check in self._cross_checks:
                check(self)

    def add_cross_check(self, check: Callable[[Any], None]) -> None:
        """Run `check(form)` after the form's own cleaning, to add errors beside fields that
        depend on each other (a person and the unit they must belong to)."""
        self._cross_checks.append(check)

    def set_queryset(self, name: str, queryset: Any) -> None:
        """Limit a model-choice field to what this user may pick."""
        field = self.fields[name]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = queryset

    def add_service_error(self, error: ServiceError) -> None:
        """Show a refused service call beside its field (or above the form). A save over a
        newer version also lists what the other person saved beside what this user submitted,
        and carries the newer version, so that saving again is a choice made with both in view
        (decision 0056)."""
        field = error.field if error.field in self.fields else None
        self.add_error(field, error.message)
        if isinstance(error, StaleVersion):
            self.stale_changes = compare_with_saved(self, error.saved)
            self.saved_version = error.saved_version
            self._carry_version(error.saved_version)

    def saved_value(self, saved: models.Model, name: str) -> Any:
        """What the saved record holds for form field `name` (`MISSING` when it holds nothing
        of that name). A form whose fields are not the model's own names says how here."""
        value = getattr(saved, name, MISSING)
        if isinstance(value, models.Manager):
            return list(value.all())
        return value

    def _carry_version(self, version: int) -> None:
        name = self.add_prefix("version")
        if "version" in self.fields and hasattr(self.data, "copy"):
            data = self.data.copy()
            data[name] = str(version)
            self.data = data


# A form field the saved record has no value for: left out of the comparison.
MISSING = object()
# A long text is compared whole but shown by its start (the form below holds all of it).
SHOWN_LENGTH = 80


@dataclass(frozen=True)
class StaleChange:
    """One field where the saved record and the refused submission differ, both as shown."""

    label: str
    saved: str
    submitted: str


def compare_with_saved(form: StyledForm, saved: models.Model) -> list[StaleChange]:
    """Field by field, what `saved` (the row as now stored) holds where it differs from what
    `form` submitted: labels from the form, long texts cut, sealed values masked only."""
    changes = []
    submitted_data = getattr(form, "cleaned_data", {})
    for name, field in form.fields.items():
        if name == "version" or isinstance(field.widget, forms.HiddenInput):
            continue
        if name not in submitted_data or isinstance(field, forms.FileField):
            continue
        submitted = submitted_data[name]
        if _is_sealed(saved, name):
            change = _sealed_change(saved, name, submitted)
        else:
            current = form.saved_value(saved, name)
            if current is MISSING or _comparable(current) == _comparable(submitted):
                continue
            change = (_shown_for_change(field, current), _shown_for_change(field, submitted))
        if change is not None:
            changes.append(StaleChange(str(field.label or name), *change))
    return changes


# Sealed identifiers (`common.models.SealedIdentity`): compared by their blind index, shown masked.
_MASKS: dict[str, Callable[[str], str]] = {"id_number": mask_id_number, "phone": mask_mobile}
_CLEANERS: dict[str, Callable[[str], str]] = {"id_number": clean_id_number, "phone": clean_mobile}


def _is_sealed(saved: models.Model, name: str) -> bool:
    return name in _MASKS and hasattr(saved, f"{name}_index") and hasattr(saved, f"{name}_masked")


def _sealed_change(saved: models.Model, name: str, submitted: Any) -> tuple[str, str] | None:
    saved_masked = getattr(saved, f"{name}_masked") or "（空）"
    text = str(submitted or "").strip()
    if not text:
        # An empty box on an edit of sealed values keeps what is stored (the form says so).
        return None
    try:
        cleaned = _CLEANERS[name](text)
    except ServiceError:
        return None
    if blind_index(name, cleaned) == getattr(saved, f"{name}_index"):
        return None
    return saved_masked, _MASKS[name](cleaned)


def _comparable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, models.QuerySet):
        value = list(value)
    if isinstance(value, list | tuple | set | frozenset):
        return sorted(str(_comparable(item)) for item in value)
    if isinstance(value, str):
        return value.strip().replace("\r\n", "\n")
    if value is None:
        return ""
    return value


def _shown_for_change(field: forms.Field, value: Any) -> str:
    if isinstance(value, models.QuerySet):
        value = list(value)
    if value is False:
        return "否"
    if isinstance(value, str) and not isinstance(field, forms.ChoiceField):
        text = value.strip()
    else:
        text = _shown_value(field, value).strip("“”")
    if not text:
        return "（空）"
    return text if len(text) <= SHOWN_LENGTH else f"{text[:SHOWN_LENGTH]}…（共{len(text)}字）"


class SearchField(forms.CharField):
    """The search box of every ledger list (`common.search`): one label, one length, one hint;
    an export's title row and a printed list show it with ID numbers and mobiles masked."""

    def __init__(self, *, placeholder: str, **kwargs: Any) -> None:
        kwargs.setdefault("label", "搜索")
        super().__init__(required=False, max_length=MAX_QUERY_LENGTH, **kwargs)
        self.widget.attrs.update(
            placeholder=placeholder, title=f"{placeholder}；多个词用空格分开，须同时包含"
        )


class SearchForm(StyledForm):
    """The search of a list that has no other filters (`includes/search_box.html`)."""

    q = SearchField(placeholder="")

    def __init__(self, *args: Any, placeholder: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update(
            placeholder=placeholder, title=f"{placeholder}；多个词用空格分开，须同时包含"
        )

    @classmethod
    def read(cls, data: Any, *, placeholder: str) -> tuple["SearchForm", str]:
        """The form and the query to search ("" when there is none or it was refused: then
        `is_refused`, and the list shows nothing rather than everything)."""
        form = cls({"q": data["q"]} if data.get("q") else None, placeholder=placeholder)
        return form, form.cleaned_data["q"] if form.is_bound and form.is_valid() else ""

    @property
    def is_refused(self) -> bool:
        """A query was typed and refused (too long): searching without it would widen the list."""
        return self.is_bound and not self.is_valid()


def id_number_validator(value: str) -> None:
    """The services' own 居民身份证号 check (length, birth date, check digit), at the field, so
    that a wrong digit is marked where it was typed."""
    _refused_at_field(clean_id_number, value)


def mobile_validator(value: str) -> None:
    """The services' own mobile-number check, at the field."""
    _refused_at_field(clean_mobile, value)


class PlatesField(forms.CharField):
    """One or more vehicle plates in one box (`common.plates`): cleaned to a list of plates in
    their normal form; a bad one is named beside the field."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", "车牌号")
        kwargs.setdefault("help_text", f"多个车牌用顿号或逗号分开，{EXAMPLE}")
        # Room for every plate with separators and the dots and spaces people type.
        super().__init__(required=False, max_length=MAX_PLATES * (PLATE_MAX_LENGTH + 4), **kwargs)

    def clean(self, value: Any) -> list[str]:
        # The text checks (length, hostile characters) first, on what was typed.
        text = super().clean(value)
        try:
            return parse_plates(text)
        except ServiceError as error:
            raise ValidationError(error.message, code="invalid") from error

    def prepare_value(self, value: Any) -> Any:
        return "、".join(value) if isinstance(value, list | tuple) else value


def _refused_at_field(check: Callable[[str], str], value: str) -> None:
    try:
        check(value)
    except ServiceError as error:
        raise ValidationError(error.message, code="invalid") from error


def guard_hostile_input(field: forms.Field) -> None:
    """Attach the shared checks of `common.validation` to one form field: every text field
    refuses NUL, lone surrogates and control characters (line breaks only in a textarea), and
    every choice of records refuses an id no bigint holds before Django queries with it."""
    if isinstance(field, forms.CharField):
        multiline = isinstance(field.widget, forms.Textarea)
        field.validators.append(CleanTextValidator(multiline=multiline))
    if isinstance(field, forms.ModelChoiceField) and _chooses_by_integer_key(field):
        field.clean = _refusing_out_of_range_ids(field, field.clean)  # type: ignore[method-assign,assignment]


def _chooses_by_integer_key(field: forms.ModelChoiceField) -> bool:  # type: ignore[type-arg]
    model = field.queryset.model if field.queryset is not None else None
    key = model._meta.get_field(field.to_field_name) if model and field.to_field_name else None
    key = key or (model._meta.pk if model else None)
    return isinstance(key, models.IntegerField | models.AutoField)


def _refusing_out_of_range_ids(
    field: forms.ModelChoiceField,  # type: ignore[type-arg]
    clean: Callable[[Any], Any],
) -> Callable[[Any], Any]:
    # Django looks a multiple choice up with `pk__in`, which raises OverflowError on SQLite for
    # an id past 2^63-1; such an id names no record, so it gets the "not a choice" message.
    def checked(value: Any) -> Any:
        values = value if isinstance(value, list | tuple) else [value]
        for item in values:
            text = str(item).strip()
            digits = text.removeprefix("-")
            if digits.isascii() and digits.isdigit() and not is_valid_id(text):
                raise ValidationError(
                    field.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": text[:30]},
                )
        return clean(value)

    return checked


def _prepare_field(field: forms.Field) -> None:
    _bound_date_field(field)
    _default_choice_and_day(field)
    widget = field.widget
    if isinstance(widget, forms.CheckboxInput | forms.RadioSelect):
        css = "form-check-input"
    elif isinstance(widget, forms.Select):
        css = "form-select"
    else:
        css = "form-control"
    widget.attrs.setdefault("class", css)
    guard_hostile_input(field)


def _default_choice_and_day(field: forms.Field) -> None:
    if isinstance(field, forms.ModelChoiceField):
        if getattr(field, "empty_label", None) == DJANGO_EMPTY_LABEL:
            field.empty_label = PICK_ONE
        if (
            field.required
            and field.initial is None
            and not isinstance(field, forms.ModelMultipleChoiceField)
        ):
            field.initial = _only_choice(field)
    kind = getattr(field, "date_kind", None)
    if kind is DateKind.EVENT and field.initial is None:
        if isinstance(field, forms.DateTimeField):
            field.initial = _this_minute
        elif isinstance(field, forms.DateField):
            field.initial = timezone.localdate


def _only_choice(field: forms.ModelChoiceField) -> Callable[[], Any]:  # type: ignore[type-arg]
    # Evaluated when the form is shown (a callable initial), after the view set the queryset.
    def only() -> Any:
        if field.queryset is None:
            return None
        first_two = list(field.queryset[:2])
        return first_two[0].pk if len(first_two) == 1 else None

    return only


def _this_minute() -> datetime.datetime:
    return timezone.localtime().replace(second=0, microsecond=0)


def _bound_date_field(field: forms.Field) -> None:
    if isinstance(field, forms.DateField | forms.DateTimeField) and not getattr(
        field, "date_bounded", False
    ):
        bound_form_field(field, getattr(field, "date_kind", DateKind.PERIOD))


def describe_filters(form: forms.Form) -> str:
    """A valid filter form's chosen filters in words, `状态 待核查；所属村 东岛村`, for the title of
    an export and of a printed list; "" when nothing was filtered.

    Read from the form itself (labels, choice labels, chosen records), so a new filter field is
    described without anyone remembering to.
    """
    if not form.is_bound or not form.is_valid():
        return ""
    parts = []
    for name, field in form.fields.items():
        shown = _shown_value(field, form.cleaned_data.get(name))
        if shown:
            parts.append(f"{field.label or name} {shown}")
    return "；".join(parts)


def _shown_value(field: forms.Field, value: Any) -> str:
    if value in (None, "", [], ()) or value is False:
        return ""
    if value is True:
        return "是"
    if isinstance(value, datetime.date):
        return format_date(value)
    if isinstance(value, list | tuple | models.QuerySet):
        return "、".join(_shown_value(field, item) for item in value)
    # A plain choice, or a sentinel of a record choice ("未指定村"), is shown by its label.
    if isinstance(field, forms.ChoiceField) and not isinstance(value, models.Model):
        labels = {str(key): label for key, label in _flat_choices(field.choices)}
        return str(labels.get(str(value), value))
    if isinstance(field, SearchField):
        return f"“{masked_query(value)}”"
    if isinstance(field, forms.CharField):
        return f"“{value}”"
    return str(value)


def _flat_choices(choices: Any) -> list[tuple[Any, Any]]:
    flat: list[tuple[Any, Any]] = []
    for key, label in choices:
        if isinstance(label, list | tuple):
            flat.extend(label)
        else:
            flat.append((key, label))
    return flat


# The browser's own date picker; ISO format so that an initial value shows in it.
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by the service (size, real type)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


def version_field() -> forms.IntegerField:
    """The version of the record the edit form was opened on, carried back so that the service
    refuses a save over someone else's newer one (decision 0044)."""
    return forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
