"""Issue 11 on a meeting: materials named by kind (Word 文档) with their size, a picture as a
thumbnail for the office only."""

import io
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from docx import Document

from saohei.common.uploads import check_uploads
from saohei.meetings import services
from saohei.meetings.models import MeetingKind
from saohei.meetings.tests.conftest import RecordMeeting
from saohei.testing.images import checked_image

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tmp_media")]
ClientAs = Callable[[str], Client]


def _docx() -> SimpleUploadedFile:
    output = io.BytesIO()
    Document().save(output)
    return SimpleUploadedFile("学习文件.docx", output.getvalue())


def test_materials_show_their_kind_and_a_thumbnail_for_the_office_only(
    client_as: ClientAs, record_meeting: RecordMeeting
) -> None:
    meeting = record_meeting(
        kind=MeetingKind.TOPIC,
        materials=[
            services.MaterialIn("document", "上级文件", check_uploads([_docx()])[0]),
            services.MaterialIn("case", "典型案例", checked_image("现场.jpg")[0]),
        ],
    )
    photo = meeting.materials.get(title="典型案例")
    thumb = f"/meetings/{meeting.pk}/materials/{photo.pk}/?thumb=1"
    office = client_as("banshi")
    page = office.get(f"/meetings/{meeting.pk}/").content.decode()
    assert "Word 文档" in page and "学习文件.docx" in page
    assert f'src="{thumb}"' in page and "SHA-256" not in page
    assert office.get(thumb)["Content-Type"] == "image/jpeg"
    assert client_as("cun02").get(thumb).status_code == 403
    anonymous = Client().get(thumb)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
