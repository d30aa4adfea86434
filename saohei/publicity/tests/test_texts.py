"""Issue 11 on the 宣传台账: photos as thumbnails behind the photo's own access check, no
digests or kind codes on the pages, and the recording form headed with the recorder's unit."""

from collections.abc import Callable

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from PIL import Image

from saohei.audit.models import AuditAction, AuditEvent
from saohei.common.thumbnails import THUMBNAIL_SIZE, thumbnail_name
from saohei.publicity.models import PublicityActivity, PublicityKind, PublicityPhoto
from saohei.publicity.tests.conftest import Record
from saohei.publicity.tests.test_access import NO_PAGE, SEES
from saohei.testing.images import checked_image

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tmp_media")]
ClientAs = Callable[[str], Client]


@pytest.fixture
def activity(record: Record) -> PublicityActivity:
    return record(photos=checked_image("标语墙.jpg"))


def _thumb_url(activity: PublicityActivity) -> str:
    return f"/publicity/{activity.pk}/photos/{PublicityPhoto.objects.get().pk}/?thumb=1"


def test_an_uploaded_photo_has_its_thumbnail_beside_it(activity: PublicityActivity) -> None:
    photo = PublicityPhoto.objects.get()
    with default_storage.open(thumbnail_name(photo.file)) as file, Image.open(file) as image:
        assert image.format == "JPEG" and max(image.size) == THUMBNAIL_SIZE


@pytest.mark.parametrize("username", sorted(SEES))
def test_thumbnail_is_served_only_to_who_may_see_the_photo(
    client_as: ClientAs, activity: PublicityActivity, username: str
) -> None:
    response = client_as(username).get(_thumb_url(activity))
    if username in NO_PAGE:
        assert response.status_code == 403
    elif SEES[username]:
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert b"".join(response.streaming_content).startswith(b"\xff\xd8\xff")  # type: ignore[attr-defined]
        # A preview on a page the user may open is not a download of the evidence.
        assert not AuditEvent.objects.filter(action=AuditAction.ATTACHMENT_DOWNLOADED).exists()
    else:
        assert response.status_code == 404


def test_anonymous_visitor_gets_no_thumbnail(activity: PublicityActivity) -> None:
    response = Client().get(_thumb_url(activity))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_photo_uploaded_before_thumbnails_gets_one_when_first_shown(
    client_as: ClientAs, activity: PublicityActivity
) -> None:
    name = thumbnail_name(PublicityPhoto.objects.get().file)
    default_storage.delete(name)
    assert client_as("cun02").get(_thumb_url(activity)).status_code == 200
    assert default_storage.exists(name)


@pytest.mark.parametrize("username", ["cun02", "banshi"])
def test_detail_shows_the_photo_as_a_thumbnail_without_its_digest(
    client_as: ClientAs, activity: PublicityActivity, username: str
) -> None:
    page = client_as(username).get(f"/publicity/{activity.pk}/").content.decode()
    assert f'src="{_thumb_url(activity)}"' in page
    assert "JPEG 图片" in page and "标语墙.jpg" in page
    assert "SHA-256" not in page and PublicityPhoto.objects.get().sha256[:12] not in page


def test_an_iphone_photo_is_kept_and_shown_as_a_photo(client_as: ClientAs, record: Record) -> None:
    activity = record(photos=checked_image("IMG_0001.HEIC", "HEIF"))
    assert PublicityPhoto.objects.get().content_type == "image/heic"
    client = client_as("banshi")
    page = client.get(f"/publicity/{activity.pk}/").content.decode()
    assert f'src="{_thumb_url(activity)}"' in page and "HEIC 图片" in page
    response = client.get(_thumb_url(activity))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content).startswith(b"\xff\xd8\xff")  # type: ignore[attr-defined]


def test_kinds_page_names_kinds_in_chinese_without_their_codes(client_as: ClientAs) -> None:
    client = client_as("banshi")
    page = client.get("/publicity/kinds/").content.decode()
    assert "标语" in page and ">slogan<" not in page and "代码" not in page
    kind_id = PublicityKind.objects.get(code="slogan").pk
    edit = client.get(f"/publicity/kinds/{kind_id}/").content.decode()
    assert "slogan" not in edit.split("<h1", 1)[1].split("</h1>", 1)[0]


def test_new_activity_form_is_headed_with_the_village_heads_village(client_as: ClientAs) -> None:
    heading = _heading(client_as("cun02").get("/publicity/new/").content.decode())
    assert "东岛村" in heading and "港西镇" not in heading


def test_new_activity_form_is_headed_with_the_town_for_the_office(client_as: ClientAs) -> None:
    assert "港西镇" in _heading(client_as("banshi").get("/publicity/new/").content.decode())


def _heading(page: str) -> str:
    return page.split("<h1", 1)[1].split("</h1>", 1)[0]
