from typing import Annotated, Any

from django.db import models
from ninja import Schema
from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from saohei.organisations.models import RoleGrant, Unit


class ErrorBody(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] = {}


class ErrorResponse(Schema):
    error: ErrorBody


class _ModelChoices:
    """`Annotated` metadata for a text field whose values are those of a model field's choices:
    the schema lists them as an `enum`, read from the model so the two cannot drift."""

    def __init__(
        self, model: type[models.Model], field_name: str, *, also: tuple[str, ...] = ()
    ) -> None:
        field = model._meta.get_field(field_name)
        values = [str(value) for value, _ in field.flatchoices]  # type: ignore[union-attr]
        self.allowed = list(dict.fromkeys([*also, *values]))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler.resolve_ref_schema(handler(schema))
        json_schema["enum"] = self.allowed
        return json_schema


class Shown(_ModelChoices):
    """An output field: a blank value the model allows is listed too (a lead not yet concluded
    has conclusion ""). Not checked on the way out: a stored value is shown as it is."""

    def __init__(
        self, model: type[models.Model], field_name: str, *, also: tuple[str, ...] = ()
    ) -> None:
        field = model._meta.get_field(field_name)
        blank = ("",) if isinstance(field, models.Field) and field.blank else ()
        super().__init__(model, field_name, also=(*also, *blank))


class OneOf(_ModelChoices):
    """An input field: anything else is a 422 naming the allowed values, before any service
    sees it. `also` adds what a filter accepts beyond the choices ("" for all, "open", …)."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def _check(self, value: str) -> str:
        if value not in self.allowed:
            raise PydanticCustomError(
                "choice", "应为以下之一：{allowed}", {"allowed": "、".join(self.allowed)}
            )
        return value


class OneOfChoices(OneOf):
    """`OneOf` over choices that are no model field's: a filter's own values (a status a list
    is filtered by, computed rather than stored)."""

    def __init__(self, choices: type[models.Choices], *, also: tuple[str, ...] = ()) -> None:
        self.allowed = list(dict.fromkeys([*also, *(str(value) for value in choices.values)]))


class UnitOut(Schema):
    id: int
    name: str
    kind: Annotated[str, Shown(Unit, "kind")]
    kind_label: str
    parent_id: int | None


class MeOut(Schema):
    id: int
    username: str
    real_name: str
    position: str
    unit: UnitOut | None
    roles: list[Annotated[str, Shown(RoleGrant, "role")]]
    role_labels: list[str]


class EvidenceOut(Schema):
    """A file kept with a record (investigation evidence, rectification evidence)."""

    id: int
    original_name: str
    size: int
    sha256: str
