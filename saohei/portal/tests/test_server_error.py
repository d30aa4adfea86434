from importlib import import_module

import pytest
from django.conf import settings
from django.test import RequestFactory

from saohei.portal.views import server_error_view

pytestmark = pytest.mark.django_db


def test_the_site_uses_the_portal_aware_500_handler() -> None:
    root_urls = import_module(settings.ROOT_URLCONF)
    assert root_urls.handler500 == "saohei.portal.views.server_error_view"


def test_a_failure_under_jubao_shows_a_portal_page_without_staff_links() -> None:
    response = server_error_view(RequestFactory().post("/jubao/new/"))
    body = response.content.decode()
    assert response.status_code == 500
    assert "您的内容尚未提交" in body
    assert "扫黑除恶 · 群众举报" in body
    assert "/accounts/login/" not in body
    assert "返回首页" not in body


def test_a_failure_on_a_staff_page_keeps_the_staff_500_page() -> None:
    response = server_error_view(RequestFactory().get("/leads/"))
    body = response.content.decode()
    assert response.status_code == 500
    assert "返回首页" in body
    assert "群众举报" not in body
