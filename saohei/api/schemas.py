from ninja import Schema


class ErrorBody(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] = {}


class ErrorResponse(Schema):
    error: ErrorBody


class UnitOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    parent_id: int | None


class MeOut(Schema):
    id: int
    username: str
    real_name: str
    position: str
    unit: UnitOut | None
    roles: list[str]
    role_labels: list[str]
