"""Files through the API (issue 15, decision 0063): the same services and upload checks as the
pages' forms — rectification progress evidence, lead investigation evidence, publicity photos,
inspection finding photos — the same access rules, multipart/form-data."""

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from saohei.api.models import TokenScope
from saohei.api.services import create_api_token
from saohei.inspections import services as inspection_services
from saohei.inspections.models import ArchiveFolder, FindingPhoto
from saohei.leads import services as lead_services
from saohei.leads.models import Attachment, Channel, InvestigationEntry, Source
from saohei.organisations.models import Unit, User
from saohei.publicity import services as publicity_services
from saohei.publicity.models import PlaceType, PublicityActivity, PublicityKind, PublicityPhoto
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


# Lead investigation evidence, publicity photos and inspection finding photos: the same pattern
# (the page's own access helper and service, `checked_files`), one target each.


@dataclass(frozen=True)
class Target:
    """One upload operation on one planted record: where to post, the files' field, the form
    fields sent beside them, what it writes and the names and types of the files it keeps."""

    url: str
    field: str
    fields: dict[str, str]
    written: Callable[[], tuple[int, ...]]
    stored: Callable[[], list[tuple[str, str]]]


def _lead_target(user: UserGetter) -> Target:
    """A lead of 港西镇 assigned to 港西村, its head (cun01) the handler."""
    village = Unit.objects.get(name="港西村")
    lead = lead_services.register_lead(
        actor=user("banshi"),
        unit=Unit.objects.get(name="港西镇"),
        data=lead_services.LeadInput(
            received_at=timezone.now() - timedelta(hours=1),
            channel=Channel.PHONE,
            source=Source.PUBLIC_REPORT,
            summary="有人在港西村码头强行收取渔船停靠费",
        ),
    )
    lead_services.assign_lead(
        actor=user("banshi"), lead=lead, handling_unit=village, handler=user("cun01")
    )
    return Target(
        url=f"/api/v1/leads/{lead.pk}/investigations/evidence",
        field="evidence",
        fields={"occurred_on": "2026-11-02", "content": "走访码头经营户五户"},
        written=lambda: (
            InvestigationEntry.objects.filter(lead=lead).count(),
            Attachment.objects.filter(lead=lead).count(),
        ),
        stored=lambda: [
            (file.original_name, file.content_type)
            for file in Attachment.objects.filter(lead=lead).order_by("id")
        ],
    )


def _activity_target(user: UserGetter) -> Target:
    """20 标语 in 港西村, recorded by its head (cun01)."""
    village = Unit.objects.get(name="港西村")
    activity = publicity_services.record_activity(
        actor=user("cun01"),
        town=Unit.objects.get(name="港西镇"),
        data=publicity_services.ActivityInput(
            occurred_on=timezone.localdate() - timedelta(days=1),
            kind=PublicityKind.objects.get(code="slogan"),
            village=village,
            place_type=PlaceType.RURAL,
            place="村委会门前",
            quantity=Decimal(20),
            handler=user("cun01"),
        ),
    )
    return Target(
        url=f"/api/v1/publicity/activities/{activity.pk}/photos",
        field="photos",
        fields={"reason": "补传现场照片"},
        written=lambda: (
            PublicityPhoto.objects.filter(activity=activity).count(),
            PublicityActivity.objects.get(pk=activity.pk).version,
        ),
        stored=lambda: [
            (photo.original_name, photo.content_type)
            for photo in PublicityPhoto.objects.filter(activity=activity).order_by("id")
        ],
    )


def _finding_target(user: UserGetter) -> Target:
    """A 不规范 finding of 港西村 in a round of 港西镇."""
    village = Unit.objects.get(name="港西村")
    inspection = inspection_services.create_round(
        actor=user("banshi"),
        unit=Unit.objects.get(name="港西镇"),
        data=inspection_services.RoundInput(
            title="接口上传测试检查",
            deployed_by="荣成市扫黑办",
            inspected_on=timezone.localdate(),
            inspectors=[user("banshi")],
            villages=[village],
        ),
    )
    finding = inspection_services.record_finding(
        actor=user("banshi"),
        inspection=inspection,
        village=village,
        folder=ArchiveFolder.objects.get(name="线索摸排（含零报告）"),
        result="irregular",
        note="零报告未签字",
    )
    return Target(
        url=f"/api/v1/inspections/{inspection.pk}/findings/{finding.pk}/photos",
        field="photos",
        fields={},
        written=lambda: (FindingPhoto.objects.filter(finding=finding).count(),),
        stored=lambda: [
            (photo.original_name, photo.content_type)
            for photo in FindingPhoto.objects.filter(finding=finding).order_by("id")
        ],
    )


TARGETS = {"lead": _lead_target, "activity": _activity_target, "finding": _finding_target}
# Who may upload: the office, and the lead's handler / the activity's village head.
ALLOWED = {"lead": ["banshi", "cun01"], "activity": ["banshi", "cun01"], "finding": ["banshi"]}
REFUSED = {
    # The city's supervisor sees only the leads it registered itself (上级交办): 404.
    "lead": [("cun02", 404), ("banshi2", 404), ("minjing", 404), ("shiban", 404)],
    # The supervisor reads the activity, and the round below, but records neither: 403.
    "activity": [("cun02", 404), ("banshi2", 404), ("minjing", 404), ("shiban", 403)],
    # 港西村's head sees the finding but does not correct it: that is the office's.
    "finding": [
        ("cun01", 403),
        ("cun02", 404),
        ("banshi2", 404),
        ("minjing", 404),
        ("shiban", 403),
    ],
}


@pytest.fixture(params=list(TARGETS))
def target(request: pytest.FixtureRequest, user: UserGetter, tmp_media: Path) -> Target:
    return TARGETS[request.param](user)


def _send(target: Target, token: str | None, files: list[tuple[str, bytes]]) -> Any:
    data: dict[str, Any] = {**target.fields}
    data[target.field] = [SimpleUploadedFile(name, content) for name, content in files]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return Client().post(target.url, data, headers=headers)


@pytest.mark.parametrize(
    ("kind", "username"), [(kind, name) for kind, names in ALLOWED.items() for name in names]
)
def test_the_right_roles_upload_to_leads_activities_and_findings(
    user: UserGetter, tmp_media: Path, kind: str, username: str
) -> None:
    target = TARGETS[kind](user)
    before = target.written()

    response = _send(target, _token(user(username)), [("现场.png", _png()), ("门前.png", _png())])

    assert response.status_code == 201, response.content
    assert target.written() != before  # the entry, the photos, the correction's version
    assert target.stored() == [("现场.png", "image/png"), ("门前.png", "image/png")]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("照片.jpg", b"<html><script>alert(1)</script></html>"),
        ("照片.jpg", b"\xff\xd8\xff\xe0<script>alert(1)</script>"),
        ("报告.pdf", b"%PDF-1.4\n/OpenAction << /S /JavaScript /JS (app.alert(1)) >>"),
        ("记录.exe", b"MZ\x90\x00\x03"),
        ("空.png", b""),
    ],
)
def test_a_disguised_file_to_a_lead_an_activity_or_a_finding_writes_nothing(
    user: UserGetter, target: Target, name: str, content: bytes
) -> None:
    before = target.written()

    response = _send(target, _token(user("banshi")), [("现场.png", _png()), (name, content)])

    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid"
    assert target.field in response.json()["error"]["fields"]
    assert target.written() == before
    assert target.stored() == []


def test_names_reach_leads_activities_and_findings_without_a_path_or_control_characters(
    user: UserGetter, target: Target
) -> None:
    response = _send(target, _token(user("banshi")), [("../../现场\x1b.png", _png())])

    assert response.status_code == 201, response.content
    assert target.stored() == [("现场.png", "image/png")]


def test_no_file_to_a_lead_an_activity_or_a_finding_is_refused(
    user: UserGetter, target: Target
) -> None:
    before = target.written()

    response = _send(target, _token(user("banshi")), [])

    assert response.status_code in (400, 422)
    assert target.field in response.json()["error"]["fields"]
    assert target.written() == before


@pytest.mark.parametrize(
    ("kind", "username", "status"),
    [(kind, name, status) for kind, refused in REFUSED.items() for name, status in refused],
)
def test_uploads_refuse_other_villages_other_towns_and_other_roles(
    demo_history: Unit, user: UserGetter, tmp_media: Path, kind: str, username: str, status: int
) -> None:
    target = TARGETS[kind](user)
    before = target.written()

    response = _send(target, _token(user(username)), [("现场.png", _png())])

    assert response.status_code == status, response.content
    assert set(response.json()["error"]) == {"code", "message", "fields"}
    assert target.written() == before


def test_uploads_refuse_anonymous_and_read_only_tokens(user: UserGetter, target: Target) -> None:
    before = target.written()

    anonymous = _send(target, None, [("现场.png", _png())])
    read_only = _send(target, _token(user("banshi"), TokenScope.READ_ONLY), [("现场.png", _png())])

    assert anonymous.status_code == 401
    assert read_only.status_code == 403
    assert read_only.json()["error"]["code"] == "read_only_token"
    assert target.written() == before
