"""Issue 11 on the tip page: a reporter's photo as a thumbnail for the intake staff only, its
type in words (not image/jpeg), and a person known only by a nickname named as one."""

from collections.abc import Callable

import pytest
from django.test import Client

from saohei.leads.models import Lead
from saohei.organisations.models import User
from saohei.testing.images import image_bytes
from saohei.tips import services
from saohei.tips.services import PersonInput, SubmittedTip
from saohei.tips.tests.conftest import checked
from saohei.tips.tests.test_views import OUTSIDERS

pytestmark = pytest.mark.django_db
Submit = Callable[..., SubmittedTip]
ClientAs = Callable[[str], Client]


def test_tip_page_names_the_files_type_and_shows_its_thumbnail(
    client_as: ClientAs, submit: Submit
) -> None:
    tip = submit(attachments=checked(image_bytes("JPEG"), "IMG_20261201_北港码头.jpg")).tip
    attachment = tip.attachments.get()
    client = client_as("banshi")
    page = client.get(f"/tips/{tip.pk}/").content.decode()
    assert "image/jpeg" not in page and "JPEG 图片" in page
    thumb = f"/tips/{tip.pk}/attachments/{attachment.pk}/?thumb=1"
    assert f'src="{thumb}"' in page
    # The reporter's own file name is never kept, so it cannot show up beside the thumbnail.
    assert "北港码头" not in page
    response = client.get(thumb)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"


def test_an_iphone_photo_is_shown_to_intake_staff_as_a_photo_not_a_recording(
    client_as: ClientAs, submit: Submit
) -> None:
    tip = submit(attachments=checked(image_bytes("HEIF"), "IMG_0001.HEIC")).tip
    attachment = tip.attachments.get()
    client = client_as("banshi")
    page = client.get(f"/tips/{tip.pk}/").content.decode()
    assert "HEIC 图片" in page and "录音" not in page
    thumb = f"/tips/{tip.pk}/attachments/{attachment.pk}/?thumb=1"
    assert f'src="{thumb}"' in page
    response = client.get(thumb)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content).startswith(b"\xff\xd8\xff")  # type: ignore[attr-defined]


@pytest.mark.parametrize("username", OUTSIDERS)
def test_outsiders_get_no_thumbnail_of_a_reporters_photo(
    client_as: ClientAs, submit: Submit, username: str
) -> None:
    tip = submit(attachments=checked(image_bytes("JPEG"))).tip
    attachment = tip.attachments.get()
    response = client_as(username).get(f"/tips/{tip.pk}/attachments/{attachment.pk}/?thumb=1")
    assert response.status_code == 404


def test_anonymous_visitor_gets_no_thumbnail(submit: Submit) -> None:
    tip = submit(attachments=checked(image_bytes("JPEG"))).tip
    attachment = tip.attachments.get()
    response = Client().get(f"/tips/{tip.pk}/attachments/{attachment.pk}/?thumb=1")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_person_known_only_by_a_nickname_is_named_as_one_on_tip_and_lead(
    client_as: ClientAs, submit: Submit
) -> None:
    tip = submit(persons=[PersonInput(alias="刀疤")]).tip
    client = client_as("banshi")
    tip_page = client.get(f"/tips/{tip.pk}/").content.decode()
    assert "刀疤（绰号）" in tip_page and "姓名不详（刀疤）" not in tip_page
    lead: Lead = services.accept_tip(actor=User.objects.get(username="banshi"), tip=tip)
    lead_page = client.get(f"/leads/{lead.pk}/").content.decode()
    assert "刀疤（绰号）" in lead_page and "刀疤（刀疤）" not in lead_page
    assert 'data-testid="reporter">匿名举报<' in lead_page
