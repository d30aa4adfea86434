"""A body that Django's multipart parser cannot read (a part whose headers never end, too many
parts) is refused in the API's error shape on every operation that takes files; the schema
fuzz found the first as a 500 on one of them."""

from typing import Any

import pytest
from django.test import Client

from saohei.api.api import api
from saohei.api.services import create_api_token
from saohei.leads.tests import conftest as lead_fixtures
from saohei.organisations.models import User

pytestmark = pytest.mark.django_db
town = lead_fixtures.town
BOUNDARY = "968acb05b8398c307484d377bd763e04"


def _multipart_operations() -> list[tuple[str, str]]:
    schema = api.get_openapi_schema()
    return sorted(
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if "multipart/form-data" in operation.get("requestBody", {}).get("content", {})
    )


MULTIPART = _multipart_operations()


def test_the_walk_finds_the_upload_operations() -> None:
    assert len(MULTIPART) >= 5, MULTIPART


def _send(method: str, path: str, body: bytes, token: str) -> Any:
    url = path.replace("{", "").replace("}", "")
    # Any id: the body is read before the object is looked up.
    for name in (
        "meeting_id",
        "lead_id",
        "item_id",
        "activity_id",
        "round_id",
        "finding_id",
        "tip_id",
        "case_id",
        "job_id",
        "staged_id",
        "inspection_id",
        "village_id",
    ):
        url = url.replace(name, "1")
    return Client().generic(
        method,
        url,
        data=body,
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
        headers={"Authorization": f"Bearer {token}"},
    )


@pytest.mark.parametrize(("method", "path"), MULTIPART)
def test_a_part_whose_headers_never_end_is_a_400_in_the_error_shape(
    town: Any, method: str, path: str
) -> None:
    _, token = create_api_token(user=User.objects.get(username="banshi"), name="测试")
    body = f"--{BOUNDARY}\r\n".encode() + b"[" + b"x" * 20_000 + b"]"

    response = _send(method, path, body, token)

    assert response.status_code == 400, (path, response.content[:300])
    error = response.json()["error"]
    assert error["code"] == "invalid_multipart"
    assert "multipart" in error["message"]


def test_too_many_parts_is_a_400_in_the_error_shape(town: Any, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    _, token = create_api_token(user=User.objects.get(username="banshi"), name="测试")
    method, path = MULTIPART[0]
    parts = b"".join(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="f{n}"\r\n\r\nx\r\n'.encode()
        for n in range(20)
    )

    response = _send(method, path, parts + f"--{BOUNDARY}--\r\n".encode(), token)

    assert response.status_code == 400, response.content[:300]
    assert response.json()["error"]["code"] == "invalid"
