"""Issue 11 on the item page: 佐证材料 as thumbnails; the digest for the office that verifies
them, not for the village that uploaded them."""

from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone

from saohei.organisations.models import User
from saohei.rectifications import services
from saohei.rectifications.models import Evidence, RectificationItem
from saohei.rectifications.tests.conftest import OpenItem
from saohei.testing.images import checked_image

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tmp_media")]
ClientAs = Callable[[str], Client]


@pytest.fixture
def item(open_item: OpenItem) -> RectificationItem:
    item = open_item()
    services.record_progress(
        actor=User.objects.get(username="cun02"),
        item=item,
        occurred_on=timezone.localdate(),
        content="已补齐零报告",
        evidence=checked_image("零报告.jpg"),
    )
    return item


def test_village_head_sees_the_evidence_as_a_thumbnail_without_its_digest(
    client_as: ClientAs, item: RectificationItem
) -> None:
    evidence = Evidence.objects.get()
    page = client_as("cun02").get(f"/rectifications/{item.pk}/").content.decode()
    assert f'src="/rectifications/{item.pk}/evidence/{evidence.pk}/?thumb=1"' in page
    assert "SHA-256" not in page and evidence.sha256[:12] not in page


def test_office_sees_the_evidences_digest(client_as: ClientAs, item: RectificationItem) -> None:
    page = client_as("banshi").get(f"/rectifications/{item.pk}/").content.decode()
    assert f"SHA-256 {Evidence.objects.get().sha256}" in page


@pytest.mark.parametrize(("username", "status"), [("cun02", 200), ("cun04", 404), ("minjing", 403)])
def test_evidence_thumbnail_follows_the_items_scope(
    client_as: ClientAs, item: RectificationItem, username: str, status: int
) -> None:
    url = f"/rectifications/{item.pk}/evidence/{Evidence.objects.get().pk}/?thumb=1"
    assert client_as(username).get(url).status_code == status
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
