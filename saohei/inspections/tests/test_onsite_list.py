"""The printable on-site list: Chinese text in the .docx and the .pdf, and the print is audited."""

import io
from collections.abc import Callable

import pytest
from django.test import Client
from docx import Document

from saohei.audit.models import AuditAction, AuditEvent
from saohei.inspections.models import InspectionRound
from saohei.inspections.tests.conftest import RecordFinding, folder
from saohei.organisations.models import Unit

pytestmark = pytest.mark.django_db
ClientAs = Callable[[str], Client]


@pytest.fixture
def findings(record_finding: RecordFinding) -> None:
    record_finding()
    record_finding(folder=folder("宣传发动"), result="irregular", note="宣传记录无签到")
    record_finding(folder=folder("上级文件"), result="passed", note="")


def test_docx_lists_the_failed_folders_in_chinese_with_a_signature_line(
    client_as: ClientAs, inspection: InspectionRound, village: Unit, findings: None
) -> None:
    response = client_as("banshi").get(f"/inspections/{inspection.pk}/onsite/{village.pk}.docx")

    assert response.status_code == 200
    document = Document(io.BytesIO(response.content))
    text = "\n".join(paragraph.text for paragraph in document.paragraphs)
    cells = [cell.text for row in document.tables[0].rows for cell in row.cells]
    assert "东岛村扫黑除恶档案现场整改清单" in text
    assert "村负责人（签字）" in text
    assert "缺少三月、四月零报告" in cells
    assert "宣传记录无签到" in cells
    assert "上级文件" not in cells
    assert AuditEvent.objects.filter(action=AuditAction.ONSITE_LIST_PRINTED).count() == 1


def test_pdf_renders_the_chinese_text(
    client_as: ClientAs, inspection: InspectionRound, village: Unit, findings: None
) -> None:
    response = client_as("cun02").get(f"/inspections/{inspection.pk}/onsite/{village.pk}.pdf")

    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    pypdf = pytest.importorskip("pypdf", reason="pypdf is not installed: PDF text not checked")
    # Table cells wrap, so compare without the line breaks the layout introduced.
    text = "".join(
        "".join(page.extract_text().split())
        for page in pypdf.PdfReader(io.BytesIO(response.content)).pages
    )
    assert "现场整改清单" in text
    assert "缺少三月、四月零报告" in text
    assert "村负责人（签字）" in text


def test_unknown_format_is_404(
    client_as: ClientAs, inspection: InspectionRound, village: Unit
) -> None:
    response = client_as("banshi").get(f"/inspections/{inspection.pk}/onsite/{village.pk}.txt")
    assert response.status_code == 404
