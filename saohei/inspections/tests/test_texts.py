"""Issue 11 on a 档案检查: photos shown as thumbnails, behind the photo's own access check."""

from collections.abc import Callable

import pytest
from django.test import Client

from saohei.inspections.models import InspectionRound
from saohei.inspections.tests.conftest import RecordFinding
from saohei.testing.images import checked_image

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tmp_media")]
ClientAs = Callable[[str], Client]


def test_round_page_shows_photos_as_thumbnails_served_only_in_scope(
    client_as: ClientAs, inspection: InspectionRound, record_finding: RecordFinding
) -> None:
    photo = record_finding(photos=checked_image("档案柜.jpg")).photos.get()
    thumb = f"/inspections/{inspection.pk}/photos/{photo.pk}/?thumb=1"
    village_head = client_as("cun02")
    assert f'src="{thumb}"' in village_head.get(f"/inspections/{inspection.pk}/").content.decode()
    response = village_head.get(thumb)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert client_as("cun04").get(thumb).status_code == 404
    assert client_as("xitong").get(thumb).status_code == 403
    anonymous = Client().get(thumb)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
