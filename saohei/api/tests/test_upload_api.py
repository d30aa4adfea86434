"""Evidence files through the API (issue 15, decision 0063): the same service and upload checks as
the rectification page's progress form, the same access rules, multipart/form-data."""

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from saohei.api.models import TokenScope
from saohei.api.services import create_api_token
from saohei.organisations.models import Unit, User
from saohei.rectifications.models import Evidence, RectificationItem, RectificationProgress
from saohei.rectifications.services import ItemInput, ItemSource, open_item

pytestmark = pytest.mark.django_db
UserGetter = Callable[[str], User]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def item(user: UserGetter, tmp_media: Path) -> RectificationItem:
    """An open item of 港西村 (cun01's), the responsibility of the village's head."""
    village = Unit.objects.get(name="港西村")
    return open_item(
        actor=user("banshi"),
        unit=Unit.objects.get(name="港西镇"),
        source=ItemSource(kind="self_inspection", label="接口上传测试"),
        data=ItemInput(
            description="档案缺少研判会记录",
            measures="补齐研判会记录",
            responsible_leader=user("shuji"),
            responsible_unit=village,
            responsible_person=user("cun01"),
            village=village,
        ),
    )


def _post(
    item: RectificationItem,
    token: str | None,
    files: list[tuple[str, bytes]],
    **fields: str,
) -> Any:
    data: dict[str, Any] = {"occurred_on": "2026-11-02", "content": "已补齐研判会记录", **fields}
    data["evidence"] = [SimpleUploadedFile(name, content) for name, content in files]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return Client().post(
        f"/api/v1/rectifications/{item.pk}/progress/evidence", data, headers=headers
    )


def _token(user: User, scope: TokenScope = TokenScope.READ_WRITE) -> str:
    return create_api_token(user=user, name="上传", scope=scope)[1]


def _written(item: RectificationItem) -> tuple[int, int]:
    return (
        RectificationProgress.objects.filter(item=item).count(),
        Evidence.objects.filter(item=item).count(),
    )


@pytest.mark.parametrize("username", ["banshi", "cun01"])
def test_the_office_and_the_items_village_head_record_progress_with_evidence(
    user: UserGetter, item: RectificationItem, username: str
) -> None:
    response = _post(item, _token(user(username)), [("现场.png", _png()), ("记录.pdf", PDF)])

    assert response.status_code == 201, response.content
    assert response.json()["id"] == item.pk
    stored = Evidence.objects.filter(item=item).order_by("id")
    assert [evidence.content_type for evidence in stored] == ["image/png", "application/pdf"]
    assert _written(item) == (1, 2)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("照片.jpg", b"<html><script>alert(1)</script></html>"),  # a page named as a photo
        ("照片.jpg", b"\xff\xd8\xff\xe0<script>alert(1)</script>"),  # a JPEG header over a script
        ("报告.pdf", b"%PDF-1.4\n/OpenAction << /S /JavaScript /JS (app.alert(1)) >>"),
        ("记录.exe", b"MZ\x90\x00\x03"),
        ("空.png", b""),
    ],
)
def test_a_disguised_or_unsupported_file_is_refused_and_nothing_is_written(
    user: UserGetter, item: RectificationItem, name: str, content: bytes
) -> None:
    response = _post(item, _token(user("banshi")), [("现场.png", _png()), (name, content)])

    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid"
    assert "evidence" in response.json()["error"]["fields"]
    assert _written(item) == (0, 0)


def test_a_file_name_is_stored_without_control_characters_or_a_path(
    user: UserGetter, item: RectificationItem
) -> None:
    # Django's multipart parser drops what cannot be printed and any directory; the name is
    # checked again before the service (`api.uploads.checked_files`).
    response = _post(item, _token(user("banshi")), [("../../现场\x1b.png", _png())])

    assert response.status_code == 201, response.content
    assert Evidence.objects.get(item=item).original_name == "现场.png"


def test_progress_without_a_file_is_refused(user: UserGetter, item: RectificationItem) -> None:
    response = _post(item, _token(user("banshi")), [])

    assert response.status_code in (400, 422)
    assert "evidence" in response.json()["error"]["fields"]
    assert _written(item) == (0, 0)


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("cun02", 404),  # the head of another village
        ("banshi2", 404),  # the other town's office
        ("minjing", 404),  # a police officer: not a reader of the ledger
        ("shiban", 403),  # the city's supervisor reads the item but does not do the work
    ],
)
def test_other_villages_other_towns_and_other_roles_are_refused(
    demo_history: Unit, user: UserGetter, item: RectificationItem, username: str, status: int
) -> None:
    response = _post(item, _token(user(username)), [("现场.png", _png())])

    assert response.status_code == status, response.content
    assert set(response.json()["error"]) == {"code", "message", "fields"}
    assert _written(item) == (0, 0)


def test_anonymous_and_read_only_tokens_are_refused(
    user: UserGetter, item: RectificationItem
) -> None:
    anonymous = _post(item, None, [("现场.png", _png())])
    read_only = _post(item, _token(user("banshi"), TokenScope.READ_ONLY), [("现场.png", _png())])

    assert anonymous.status_code == 401
    assert read_only.status_code == 403
    assert read_only.json()["error"]["code"] == "read_only_token"
    assert _written(item) == (0, 0)
