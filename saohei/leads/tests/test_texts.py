"""Issue 11 on the lead page: files as thumbnails or type labels; the digest only for the office
that verifies evidence; 匿名举报 and 绰号 said in words."""

from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from saohei.common.uploads import check_uploads
from saohei.leads import services
from saohei.leads.models import Attachment, Lead, Source, person_label
from saohei.organisations.models import Unit, User
from saohei.testing.images import checked_image

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tmp_media")]
ClientAs = Callable[[str], Client]
PDF = b"%PDF-1.4\n" + b"0" * 64


@pytest.fixture
def lead(register: Callable[..., Lead], village: Unit) -> Lead:
    """A lead of 东岛村 (cun02) with the police (minjing): a photo, and a PDF as evidence."""
    lead = register(village=village, attachments=checked_image("码头.jpg"))
    services.assign_lead(
        actor=User.objects.get(username="banshi"),
        lead=lead,
        handling_unit=village,
        police_unit=Unit.objects.get(name="港西派出所"),
    )
    services.record_investigation(
        actor=User.objects.get(username="cun02"),
        lead=lead,
        occurred_on=timezone.localdate(),
        content="走访经营户",
        evidence=check_uploads([SimpleUploadedFile("笔录.pdf", PDF)]),
    )
    return lead


def _page(client: Client, lead: Lead) -> str:
    response = client.get(f"/leads/{lead.pk}/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("username", ["cun02", "minjing"])
def test_village_and_police_see_files_without_their_digests(
    client_as: ClientAs, lead: Lead, username: str
) -> None:
    page = _page(client_as(username), lead)
    photo, pdf = Attachment.objects.order_by("id")
    assert f'src="/leads/{lead.pk}/attachments/{photo.pk}/?thumb=1"' in page
    assert "PDF 文件" in page and "笔录.pdf" in page
    assert "SHA-256" not in page
    assert photo.sha256[:12] not in page and pdf.sha256[:12] not in page


def test_office_sees_each_files_digest_in_its_details(client_as: ClientAs, lead: Lead) -> None:
    page = _page(client_as("banshi"), lead)
    for attachment in Attachment.objects.all():
        assert f"SHA-256 {attachment.sha256}" in page


@pytest.mark.parametrize(
    ("username", "status"), [("cun02", 200), ("minjing", 200), ("cun04", 404), ("xitong", 404)]
)
def test_thumbnail_follows_the_leads_scope(
    client_as: ClientAs, lead: Lead, username: str, status: int
) -> None:
    photo = Attachment.objects.order_by("id").first()
    assert photo is not None
    response = client_as(username).get(f"/leads/{lead.pk}/attachments/{photo.pk}/?thumb=1")
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "image/jpeg"


def test_anonymous_visitor_gets_no_thumbnail(lead: Lead) -> None:
    photo = Attachment.objects.order_by("id").first()
    assert photo is not None
    response = Client().get(f"/leads/{lead.pk}/attachments/{photo.pk}/?thumb=1")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_pdf_has_no_thumbnail(client_as: ClientAs, lead: Lead) -> None:
    pdf = Attachment.objects.order_by("id").last()
    assert pdf is not None
    response = client_as("banshi").get(f"/leads/{lead.pk}/attachments/{pdf.pk}/?thumb=1")
    assert response.status_code == 404


def test_a_report_without_a_reporter_says_anonymous(
    client_as: ClientAs, register: Callable[..., Lead]
) -> None:
    lead = register(source=Source.PUBLIC_REPORT)
    assert 'data-testid="reporter">匿名举报<' in _page(client_as("banshi"), lead)


def test_a_lead_found_by_the_office_says_there_is_no_reporter(
    client_as: ClientAs, register: Callable[..., Lead]
) -> None:
    lead = register(source=Source.SELF_FOUND)
    assert 'data-testid="reporter">无（线索来源：自行摸排）<' in _page(client_as("banshi"), lead)


def test_a_subject_known_only_by_a_nickname_is_named_as_one(
    client_as: ClientAs, register: Callable[..., Lead]
) -> None:
    lead = register(
        subjects=[
            services.SubjectInput(name="刀疤", alias="刀疤"),
            services.SubjectInput(name="张某", alias="大刀"),
        ]
    )
    page = _page(client_as("banshi"), lead)
    assert "刀疤（绰号）" in page and "刀疤（刀疤）" not in page
    assert "张某（大刀）" in page


@pytest.mark.parametrize(
    ("name", "alias", "label"),
    [
        ("刀疤", "刀疤", "刀疤（绰号）"),
        ("", "刀疤", "刀疤（绰号）"),
        ("张某", "", "张某"),
        ("", "", "姓名不详"),
    ],
)
def test_person_label(name: str, alias: str, label: str) -> None:
    assert person_label(name, alias) == label
