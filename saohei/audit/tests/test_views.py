import io
from collections.abc import Callable

import openpyxl
import pytest
from django.test import Client

from saohei.audit.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db


def test_audit_admin_filters_by_action(client_as: Callable[[str], Client]) -> None:
    Client().post("/accounts/login/", {"username": "banshi", "password": "bad"})
    client = client_as("shenji")
    page = client.get("/audit/", {"action": AuditAction.LOGIN_FAILED}).content.decode()
    rows = page.split("<tbody>")[1]
    assert "登录失败" in rows
    assert "载入演示数据" not in rows


def test_bad_filter_input_shows_a_message_not_a_500(client_as: Callable[[str], Client]) -> None:
    client = client_as("shenji")
    response = client.get("/audit/", {"date_from": "2026-13-45", "action": "bogus"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "有效的日期" in body
    response = client.get("/audit/", {"date_from": "2026-05-02", "date_to": "2026-05-01"})
    assert "截止日期不能早于起始日期" in response.content.decode()


def test_export_is_a_real_xlsx_and_is_itself_audited(client_as: Callable[[str], Client]) -> None:
    client = client_as("shenji")
    response = client.get("/audit/export/")
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = workbook.active
    assert sheet is not None
    assert "导出人" in str(sheet.cell(1, 1).value)
    assert sheet.cell(3, 1).value == "序号"
    actions = [sheet.cell(row, 6).value for row in range(4, sheet.max_row + 1)]
    assert "登录成功" in actions
    assert AuditEvent.objects.filter(action=AuditAction.AUDIT_EXPORTED).exists()


def test_chain_page_reports_intact(client_as: Callable[[str], Client]) -> None:
    page = client_as("shenji").get("/audit/chain/").content.decode()
    assert "完整" in page
