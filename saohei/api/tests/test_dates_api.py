"""Dates through the API: every input date bounded (422, Chinese, nothing written), and a write
whose answer fails afterwards leaves nothing behind."""

import datetime
import importlib
import pkgutil
from typing import Any

import pydantic
import pytest
from ninja import Schema

import saohei.api
from saohei.api import leads_api
from saohei.api.tests.test_leads_api import Api, _error, _new_lead
from saohei.audit.models import AuditAction, AuditEvent
from saohei.leads.models import Lead
from saohei.leads.tests import conftest as lead_fixtures
from saohei.organisations.models import Unit

pytestmark = pytest.mark.django_db
town = lead_fixtures.town


def _events() -> int:
    # Each request records the token's use; what matters is that nothing else is written.
    return AuditEvent.objects.exclude(action=AuditAction.API_TOKEN_USED).count()


def _input_schemas() -> list[type[Schema]]:
    for module in pkgutil.iter_modules(saohei.api.__path__, "saohei.api."):
        importlib.import_module(module.name)
    found: list[type[Schema]] = []
    pending = list(Schema.__subclasses__())
    while pending:
        schema = pending.pop()
        pending.extend(schema.__subclasses__())
        if schema.__module__.startswith("saohei.api") and schema.__name__.endswith(("In", "Query")):
            found.append(schema)
    return found


def _date_fields() -> list[tuple[type[Schema], str, bool]]:
    fields = []
    for schema in _input_schemas():
        for name, info in schema.model_fields.items():
            annotation = str(info.annotation)
            if "datetime.datetime" in annotation:
                fields.append((schema, name, True))
            elif "datetime.date" in annotation:
                fields.append((schema, name, False))
    return sorted(fields, key=lambda item: (item[0].__name__, item[1]))


DATE_FIELDS = _date_fields()


def test_the_walk_finds_the_api_input_dates() -> None:
    names = {(schema.__name__, name) for schema, name, _ in DATE_FIELDS}
    assert {("LeadIn", "received_at"), ("TalkIn", "talked_on"), ("AssignIn", "due_on")} <= names


@pytest.mark.parametrize(
    ("schema", "name", "is_moment"),
    DATE_FIELDS,
    ids=[f"{schema.__name__}.{name}" for schema, name, _ in DATE_FIELDS],
)
@pytest.mark.parametrize("value", ["0001-01-01", "1899-12-31", "2999-12-31"])
def test_every_api_input_date_is_refused_outside_its_bounds(
    schema: type[Schema], name: str, is_moment: bool, value: str
) -> None:
    with pytest.raises(pydantic.ValidationError) as refused:
        schema.model_validate({name: f"{value}T08:00:00" if is_moment else value})

    errors = [error for error in refused.value.errors() if error["loc"][0] == name]
    assert errors and errors[0]["type"] == "date_out_of_range", errors
    assert "不能" in errors[0]["msg"]


@pytest.mark.parametrize("received_at", ["0001-01-01", "0001-01-01T00:00:00", "1899-12-31"])
def test_registering_a_lead_received_in_year_one_is_refused_and_writes_nothing(
    demo: None, town: Unit, received_at: str
) -> None:
    api = Api("banshi")
    events = _events()

    error = _error(api.post("/leads", _new_lead(town, received_at=received_at)), 422)

    assert error["fields"]["received_at"] == ["日期不能早于2000年1月1日"]
    assert not Lead.objects.exists()
    assert _events() == events


def test_a_lead_received_tomorrow_is_refused(demo: None, town: Unit) -> None:
    tomorrow = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)

    error = _error(
        Api("banshi").post("/leads", _new_lead(town, received_at=tomorrow.isoformat())), 422
    )

    assert "不能晚于" in error["fields"]["received_at"][0]
    assert not Lead.objects.exists()


def test_a_write_whose_answer_fails_leaves_nothing_behind(
    demo: None, town: Unit, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The original failure: the service committed, then building the answer raised (a 500).
    def failing_answer(lead: Lead) -> Any:
        raise OverflowError("date value out of range")

    monkeypatch.setattr(leads_api, "_detail", failing_answer)
    api = Api("banshi")
    events = _events()

    response = api.post("/leads", _new_lead(town))

    assert response.status_code == 500
    assert response.json()["error"]["code"] == "server_error"
    assert not Lead.objects.exists()
    assert _events() == events
