"""Shared fixtures: the demo town, real sign-in through the login pages, a fast Argon2."""

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.core.cache import cache
from django.test import Client
from django.test.signals import setting_changed

from saohei.demo.loader import load_demo_town
from saohei.demo.town import DEMO_PASSWORD
from saohei.organisations.models import Unit, User
from saohei.testing.totp import sign_in_client

if TYPE_CHECKING:
    from saohei.testing.town import SharedTown

pytest_plugins = ["saohei.testing.browser", "saohei.testing.town"]


def pytest_configure(config: pytest.Config) -> None:
    """Tests count rate limits in local memory (cleared per test, no table to create); the
    shared caches that servers use are tested on their own (common/tests/test_shared_cache.py)."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "t"}
    }
    setting_changed.send(sender=None, setting="CACHES", value=settings.CACHES, enter=True)
    # Tests that walk every operation with one token (fuzzing, the access matrices) make
    # thousands of requests a minute; the per-token limit is tested with its own small value
    # (api/tests/test_token_rules.py).
    settings.SAOHEI_API_TOKEN_REQUESTS_PER_MINUTE = 1_000_000


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
def _own_backup_directory(settings: object, tmp_path: Path) -> None:
    """The hourly job backs up: never into the real var directory."""
    settings.SAOHEI_BACKUP_DIR = tmp_path / "backups"  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Rate-limit counters live in the cache: one test's failures must not limit the next."""
    cache.clear()


@pytest.fixture
def demo(db: None, shared_town: "SharedTown") -> None:
    """The demo town's org and people, without the lead history (tests start from no leads).

    Built once per worker and shared (saohei/testing/town.py); built here, inside the test,
    only where it could not be shared."""
    if not shared_town.is_open:
        load_demo_town(with_history=False)


@pytest.fixture
def demo_history(demo: None, shared_town: "SharedTown") -> Unit:
    """The whole demo town, the seed's history included (its figures, the second town).

    Built once per worker on top of the shared town (saohei/testing/town.py); built here,
    on top of `demo`, only where it could not be shared."""
    if not shared_town.has_layer("demo_history"):
        load_demo_town(with_history=True)
    return Unit.objects.get(name="港西镇")


@pytest.fixture
def user(demo: None) -> Callable[[str], User]:
    def get(username: str) -> User:
        return User.objects.get(username=username)

    return get


def sign_in(client: Client, username: str, password: str = DEMO_PASSWORD) -> Client:
    """Sign in through the real pages, entering the TOTP step when the account has one."""
    return sign_in_client(client, username, password)


@pytest.fixture
def client_as(demo: None) -> Callable[[str], Client]:
    def make(username: str) -> Client:
        return sign_in(Client(), username)

    return make


@pytest.fixture
def tmp_media(settings: object, tmp_path: Path) -> Path:
    """Uploads (and their thumbnails) into a temporary directory, never the real var one."""
    settings.MEDIA_ROOT = tmp_path / "media"  # type: ignore[attr-defined]
    return tmp_path / "media"
