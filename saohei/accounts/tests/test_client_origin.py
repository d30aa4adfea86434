"""The audit log's origin of a sign-in behind a reverse proxy: what the proxy saw, not what the
client wrote into X-Forwarded-For."""

from typing import Any

from django.test import Client

from saohei.audit.models import AuditAction, AuditEvent
from saohei.conftest import sign_in


def test_a_spoofed_forwarded_hop_does_not_become_the_logins_origin(
    demo: None, settings: Any
) -> None:
    settings.SAOHEI_TRUSTED_PROXY_COUNT = 1
    client = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.77, 198.51.100.7")
    sign_in(client, "banshi")
    event = AuditEvent.objects.get(action=AuditAction.LOGIN_SUCCEEDED)
    assert event.ip_address == "198.51.100.7"
    assert not AuditEvent.objects.filter(ip_address="203.0.113.77").exists()
