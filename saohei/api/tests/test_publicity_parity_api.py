"""A publicity activity's page in the API (issue 15, decision 0066): its detail, its 作废 and the
download of its photos (audited) — the page's access helper, roles and services."""

import io
import json
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from saohei.api.services import create_api_token
from saohei.audit.models import AuditAction, AuditEvent
from saohei.common.uploads import check_uploads
from saohei.organisations.models import Unit, User
from saohei.publicity import services
from saohei.publicity.models import PlaceType, PublicityActivity, PublicityKind, PublicityPhoto

pytestmark = pytest.mark.django_db
UserGetter = Callable[[str], User]


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(buffer, "PNG")
    return buffer.getvalue()


def _call(method: str, path: str, username: str | None, body: Any = None) -> Any:
    headers = {}
    if username is not None:
        user = User.objects.get(username=username)
        headers["Authorization"] = f"Bearer {create_api_token(user=user, name='宣传')[1]}"
    if method == "get":
        return Client().get(f"/api/v1{path}", headers=headers)
    return Client().post(
        f"/api/v1{path}", json.dumps(body or {}), content_type="application/json", headers=headers
    )


@pytest.fixture
def activity(user: UserGetter, tmp_media: Path) -> PublicityActivity:
    """20 标语 in 港西村, recorded by its head (cun01), with one photo."""
    return services.record_activity(
        actor=user("cun01"),
        town=Unit.objects.get(name="港西镇"),
        data=services.ActivityInput(
            occurred_on=timezone.localdate() - timedelta(days=1),
            kind=PublicityKind.objects.get(code="slogan"),
            village=Unit.objects.get(name="港西村"),
            place_type=PlaceType.RURAL,
            place="村委会门前",
            quantity=Decimal(20),
            handler=user("cun01"),
        ),
        photos=check_uploads([SimpleUploadedFile("现场.png", _png())], field="photos"),
    )


@pytest.mark.parametrize("username", ["banshi", "cun01", "shuji"])
def test_readers_see_the_activity_with_its_photos(
    activity: PublicityActivity, username: str
) -> None:
    response = _call("get", f"/publicity/activities/{activity.pk}", username)

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["is_voided"], body["photos"]) == (activity.pk, False, 1)
    assert body["photo_files"][0]["original_name"] == "现场.png"


@pytest.mark.parametrize(("username", "status"), [("cun02", 404), ("minjing", 403), (None, 401)])
def test_the_activity_is_refused_outside_its_readers(
    activity: PublicityActivity, username: str | None, status: int
) -> None:
    photo = PublicityPhoto.objects.get(activity=activity)
    for path in (
        f"/publicity/activities/{activity.pk}",
        f"/publicity/activities/{activity.pk}/photos/{photo.pk}",
    ):
        response = _call("get", path, username)
        assert response.status_code == status, (path, response.content)
        assert set(response.json()["error"]) == {"code", "message", "fields"}
    assert not AuditEvent.objects.filter(action=AuditAction.ATTACHMENT_DOWNLOADED).exists()


def test_a_photo_downloads_as_on_the_page_and_is_audited(activity: PublicityActivity) -> None:
    photo = PublicityPhoto.objects.get(activity=activity)

    response = _call("get", f"/publicity/activities/{activity.pk}/photos/{photo.pk}", "banshi")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == _png()
    event = AuditEvent.objects.get(action=AuditAction.ATTACHMENT_DOWNLOADED)
    assert event.details["sha256"] == photo.sha256
    missing = _call("get", f"/publicity/activities/{activity.pk}/photos/{photo.pk + 99}", "banshi")
    assert missing.status_code == 404


@pytest.mark.parametrize("username", ["banshi", "cun01"])
def test_office_or_the_village_head_voids_with_a_reason(
    activity: PublicityActivity, username: str
) -> None:
    path = f"/publicity/activities/{activity.pk}/void"
    assert "reason" in _call("post", path, username, {"reason": ""}).json()["error"]["fields"]

    response = _call("post", path, username, {"reason": "重复登记"})

    assert response.status_code == 200, response.content
    assert response.json()["is_voided"] is True
    assert response.json()["void_reason"] == "重复登记"
    again = _call("post", path, username, {"reason": "再次作废"})
    assert again.status_code == 400


@pytest.mark.parametrize(("username", "status"), [("cun02", 404), ("shiban", 403)])
def test_void_is_refused_to_others(activity: PublicityActivity, username: str, status: int) -> None:
    response = _call(
        "post", f"/publicity/activities/{activity.pk}/void", username, {"reason": "作废"}
    )

    assert response.status_code == status, response.content
    assert not PublicityActivity.objects.get(pk=activity.pk).is_voided


def _patch(path: str, username: str, body: dict[str, Any]) -> Any:
    user = User.objects.get(username=username)
    return Client().patch(
        f"/api/v1{path}",
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {create_api_token(user=user, name='更正')[1]}"},
    )


def test_the_village_head_corrects_the_fields_sent_with_the_version_read(
    activity: PublicityActivity,
) -> None:
    path = f"/publicity/activities/{activity.pk}"
    version = _call("get", path, "cun01").json()["version"]

    corrected = _patch(path, "cun01", {"quantity": 25, "reason": "漏计", "version": version})

    assert corrected.status_code == 200, corrected.content
    body = corrected.json()
    assert (body["quantity"], body["place"], body["version"]) == (25.0, "村委会门前", version + 1)
    stale = _patch(path, "banshi", {"place": "码头", "version": version})
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "conflict"


@pytest.mark.parametrize(("username", "status"), [("cun02", 404), ("shiban", 403)])
def test_a_correction_is_refused_to_others(
    activity: PublicityActivity, username: str, status: int
) -> None:
    response = _patch(f"/publicity/activities/{activity.pk}", username, {"quantity": 1})

    assert response.status_code == status, response.content
    assert PublicityActivity.objects.get(pk=activity.pk).quantity == Decimal(20)


def test_a_correction_naming_another_towns_village_is_400(
    demo_history: Unit, activity: PublicityActivity
) -> None:
    elsewhere = Unit.objects.exclude(parent=activity.town).filter(kind="village").first()
    assert elsewhere is not None
    response = _patch(
        f"/publicity/activities/{activity.pk}", "banshi", {"village_id": elsewhere.pk}
    )

    assert response.status_code == 400, response.content
    assert "village_id" in response.json()["error"]["fields"]
