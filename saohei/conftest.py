"""Shared fixtures: the demo town, real sign-in through the login pages, a fast Argon2."""

from binascii import unhexlify
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.core.cache import cache
from django.test import Client
from django.test.signals import setting_changed
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from saohei.demo.loader import load_demo_town
from saohei.demo.town import DEMO_PASSWORD
from saohei.organisations.models import User

pytest_plugins = ["saohei.testing.browser"]


def pytest_configure(config: pytest.Config) -> None:
    """Tests count rate limits in local memory (cleared per test, no table to create); the
    shared caches that servers use are tested on their own (common/tests/test_shared_cache.py)."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "t"}
    }
    setting_changed.send(sender=None, setting="CACHES", value=settings.CACHES, enter=True)


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    """Still Argon2, with tiny costs so a test that creates 33 accounts stays fast."""

    time_cost = 1
    memory_cost = 256
    parallelism = 1


@pytest.fixture(autouse=True)
def _fast_hashing(settings: object) -> None:
    settings.PASSWORD_HASHERS = ["saohei.conftest.FastArgon2PasswordHasher"]  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _own_checkpoint_file(settings: object, tmp_path: Path) -> None:
    """Audit exports and the hourly job append checkpoints: never to the real var directory."""
    settings.SAOHEI_AUDIT_CHECKPOINT_FILE = tmp_path / "audit" / "checkpoints.log"  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Rate-limit counters live in the cache: one test's failures must not limit the next."""
    cache.clear()


@pytest.fixture
def demo(db: None) -> None:
    """The demo town's org and people, without the lead history (tests start from no leads)."""
    load_demo_town(with_history=False)


@pytest.fixture
def user(demo: None) -> Callable[[str], User]:
    def get(username: str) -> User:
        return User.objects.get(username=username)

    return get


def current_totp(user: User) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return f"{totp(unhexlify(device.key)):06d}"


def sign_in(client: Client, username: str, password: str = DEMO_PASSWORD) -> Client:
    """Sign in through the real pages, entering the TOTP step when the account has one."""
    response = client.post("/accounts/login/", {"username": username, "password": password})
    assert response.status_code == 302, response.content.decode()[:2000]
    if response["Location"].endswith("/accounts/login/otp/"):
        account = User.objects.get(username=username)
        response = client.post("/accounts/login/otp/", {"token": current_totp(account)})
        assert response.status_code == 302, response.content.decode()[:2000]
    return client


@pytest.fixture
def client_as(demo: None) -> Callable[[str], Client]:
    def make(username: str) -> Client:
        return sign_in(Client(), username)

    return make
