"""Made-up tokens: rate-limited per address, audited once per address and minute."""

import pytest
from django.test import Client

from saohei.api.api import FAILED_TOKENS
from saohei.api.services import create_api_token
from saohei.audit.models import AuditAction, AuditEvent
from saohei.organisations.models import User
from saohei.testing.clock import minutes_since, this_minute, wait_for_a_fresh_minute

pytestmark = pytest.mark.django_db


def _me(token: str, address: str = "192.0.2.50"):  # type: ignore[no-untyped-def]
    return Client(REMOTE_ADDR=address).get(
        "/api/v1/me", headers={"Authorization": f"Bearer {token}"}
    )


def test_a_flood_of_made_up_tokens_writes_one_audit_event(demo: None) -> None:
    first = this_minute()
    statuses = {_me(f"shb_made-up-{n}").status_code for n in range(200)}
    assert statuses == {401, 429}
    rejected = AuditEvent.objects.filter(action=AuditAction.API_TOKEN_REJECTED)
    assert 1 <= rejected.count() <= minutes_since(first)
    assert {event.ip_address for event in rejected} == {"192.0.2.50"}


def test_too_many_bad_tokens_get_429_in_the_error_shape(demo: None) -> None:
    wait_for_a_fresh_minute()
    for n in range(FAILED_TOKENS.max_hits):
        assert _me(f"shb_made-up-{n}").status_code == 401
    response = _me("shb_one-more")
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "too_many_requests"
    assert "一分钟" in response.json()["error"]["message"]
    assert response["Retry-After"] == "60"
    # Another address is not affected.
    assert _me("shb_made-up", address="192.0.2.51").status_code == 401


def test_good_tokens_do_not_count_toward_the_limit(demo: None) -> None:
    _, token = create_api_token(user=User.objects.get(username="banshi"), name="对接")
    for _ in range(FAILED_TOKENS.max_hits + 5):
        assert _me(token).status_code == 200
    assert _me("shb_made-up").status_code == 401
