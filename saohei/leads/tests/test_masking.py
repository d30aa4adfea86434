"""Field-level masking on the lead page and its export (等保 checklist, docs/security.md)."""

import io
from collections.abc import Callable

import pytest
from django.test import Client
from openpyxl import load_workbook

from saohei.leads import services
from saohei.leads.models import Lead
from saohei.organisations.models import Unit, User

pytestmark = pytest.mark.django_db
Register = Callable[..., Lead]

ID_NUMBER = "11010519491231002X"
MOBILE = "13912345678"


def test_village_head_sees_the_phone_and_id_number_masked_on_the_page_and_in_the_export(
    client_as: Callable[[str], Client], register: Register, village: Unit
) -> None:
    lead = register(
        subjects=[services.SubjectInput(name="张三", id_number=ID_NUMBER, phone=MOBILE)]
    )
    services.assign_lead(
        actor=User.objects.get(username="banshi"), lead=lead, handling_unit=village
    )
    head = User.objects.get(unit=village, role_grants__role="village_head").username
    client = client_as(head)
    page = client.get(f"/leads/{lead.pk}/").content.decode()
    assert "139****5678" in page
    assert MOBILE not in page and ID_NUMBER not in page
    export = client.get("/leads/export.xlsx")
    assert export.status_code == 200
    body = b"".join(export.streaming_content)  # type: ignore[attr-defined, arg-type]
    sheet = load_workbook(io.BytesIO(body)).active
    cells = " ".join(str(cell) for row in sheet.iter_rows(values_only=True) for cell in row)
    assert "张三" in cells
    assert MOBILE not in cells and ID_NUMBER not in cells
