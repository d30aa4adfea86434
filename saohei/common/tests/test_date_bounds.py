"""Every date field of every form is bounded by its kind (common.dates): refused with a Chinese
message below its floor and above its ceiling; the shared formatter marks what cannot be shown."""

import datetime
import importlib
import logging
import pathlib
import pkgutil
import re

import pytest
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

import saohei
from saohei.common.dates import (
    INVALID_DATE_MARK,
    DateKind,
    check_date,
    date_problem,
    format_date,
)
from saohei.common.errors import ServiceError
from saohei.common.forms import StyledForm

SKIPPED = (".tests", ".migrations", ".management", "saohei.bench", "saohei.testing")


def _styled_forms() -> list[type[StyledForm]]:
    for module in pkgutil.walk_packages(saohei.__path__, "saohei."):
        if not any(part in module.name for part in SKIPPED):
            importlib.import_module(module.name)
    found, pending = [], list(StyledForm.__subclasses__())
    while pending:
        form = pending.pop()
        pending.extend(form.__subclasses__())
        found.append(form)
    return found


def _date_fields() -> list[tuple[type[StyledForm], str]]:
    return sorted(
        (
            (form, name)
            for form in _styled_forms()
            for name, field in form.base_fields.items()
            if isinstance(field, forms.DateField | forms.DateTimeField)
        ),
        key=lambda item: (item[0].__module__, item[0].__name__, item[1]),
    )


DATE_FIELDS = _date_fields()


def _bare_form(form_class: type[StyledForm]) -> StyledForm:
    # Only the shared part of __init__: the walk needs no towns, users or querysets.
    form = form_class.__new__(form_class)
    StyledForm.__init__(form)
    return form


def test_the_walk_finds_the_date_fields_of_every_context() -> None:
    modules = {form.__module__.split(".")[1] for form, _ in DATE_FIELDS}
    assert {"leads", "meetings", "rectifications", "publicity", "custody", "cases"} <= modules
    assert len(DATE_FIELDS) >= 40


@pytest.mark.parametrize(
    ("form_class", "name"),
    DATE_FIELDS,
    ids=[f"{form.__module__.split('.')[1]}.{form.__name__}.{name}" for form, name in DATE_FIELDS],
)
@pytest.mark.parametrize(
    ("value", "problem"), [("0001-01-01", "不能早于"), ("2999-12-31", "不能晚于")]
)
def test_every_form_date_is_refused_outside_its_bounds_in_chinese(
    form_class: type[StyledForm], name: str, value: str, problem: str
) -> None:
    field = _bare_form(form_class).fields[name]
    if isinstance(field, forms.DateTimeField):
        value += "T08:00"

    with pytest.raises(ValidationError) as refused:
        field.clean(value)

    message = refused.value.messages[0]
    assert message.startswith(str(field.label)) and problem in message, message


@pytest.mark.parametrize(
    ("form_class", "name"),
    DATE_FIELDS,
    ids=[f"{form.__module__.split('.')[1]}.{form.__name__}.{name}" for form, name in DATE_FIELDS],
)
def test_every_browser_date_box_is_given_its_value_in_iso_format(
    form_class: type[StyledForm], name: str
) -> None:
    # Chromium shows an empty <input type=date> for "2026/12/05" (zh-hans), so a date that
    # defaults to today was refused as missing (issue 11's walk, 谈心谈话).
    field = _bare_form(form_class).fields[name]
    box = field.widget.input_type
    if box not in ("date", "datetime-local"):
        pytest.skip("not a browser date box")
    moment = datetime.datetime(2026, 12, 5, 8, 30)

    shown = field.widget.format_value(moment if box == "datetime-local" else moment.date())

    assert shown == ("2026-12-05T08:30" if box == "datetime-local" else "2026-12-05")


def test_a_date_field_added_after_init_is_bounded_too() -> None:
    class LateForm(StyledForm):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)
            self.fields["day"] = forms.DateField(label="日期")

    form = LateForm(data={"day": "0001-01-01"})

    assert not form.is_valid()
    assert form.errors["day"] == ["日期不能早于2000年1月1日"]


def test_an_event_may_not_be_in_the_future_beyond_a_small_clock_skew() -> None:
    now = timezone.now()

    assert date_problem(now + datetime.timedelta(minutes=5), DateKind.EVENT) is None
    assert date_problem(now + datetime.timedelta(hours=2), DateKind.EVENT) is not None
    assert date_problem(timezone.localdate() + datetime.timedelta(days=1), DateKind.EVENT)


def test_deadlines_reach_five_years_ahead_and_birth_dates_back_to_1900() -> None:
    today = timezone.localdate()

    assert date_problem(today + datetime.timedelta(days=4 * 365), DateKind.DEADLINE) is None
    assert date_problem(today + datetime.timedelta(days=6 * 366), DateKind.DEADLINE)
    assert date_problem(datetime.date(1900, 1, 1), DateKind.BIRTH) is None
    assert date_problem(datetime.date(1899, 12, 31), DateKind.BIRTH) == "不能早于1900年1月1日"


def test_services_refuse_with_the_label_and_the_field() -> None:
    with pytest.raises(ServiceError) as refused:
        check_date(
            datetime.date(1, 1, 1), kind=DateKind.EVENT, label="受理时间", field="received_at"
        )

    assert refused.value.message == "受理时间不能早于2000年1月1日"
    assert refused.value.field == "received_at"


@pytest.mark.parametrize(
    "value",
    [
        datetime.datetime(1, 1, 1, tzinfo=datetime.UTC),
        datetime.datetime(9999, 12, 31, 23, tzinfo=datetime.UTC),
        datetime.datetime.min,
        datetime.date(1, 1, 1),
        datetime.date.max,
    ],
)
def test_what_cannot_be_shown_is_marked_and_logged(
    value: datetime.date, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)

    assert format_date(value, "Y-m-d H:i") == INVALID_DATE_MARK
    assert "cannot be shown" in caplog.text


def test_a_good_moment_is_shown_in_beijing_time() -> None:
    moment = datetime.datetime(2026, 3, 1, 16, 30, tzinfo=datetime.UTC)

    assert format_date(moment, "Y-m-d H:i") == "2026-03-02 00:30"
    assert format_date(None) == ""


def test_no_template_uses_djangos_date_filter() -> None:
    # Django's `date` filter raises on a moment without a Beijing time; `safe_date` marks it.
    root = pathlib.Path(settings.BASE_DIR)
    offenders = [
        f"{path.relative_to(root)}:{number}"
        for folder in ("templates", "saohei")
        for path in (root / folder).rglob("*.html")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if re.search(r"\|\s*date\b", line)
    ]

    assert not offenders, offenders
