"""Shared fixtures: the demo town, real sign-in through the login pages, a fast Argon2."""

from collections.abc import Callable

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.test import Client

from saohei.demo.loader import load_demo_town
from saohei.demo.town import DEMO_PASSWORD
from saohei.organisations.models import User
from saohei.testing.totp import sign_in_client

pytest_plugins = ["saohei.testing.browser"]


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    """Still Argon2, with tiny costs so a test that creates 33 accounts stays fast."""

    time_cost = 1
    memory_cost = 256
    parallelism = 1


@pytest.fixture(autouse=True)
def _fast_hashing(settings: object) -> None:
    settings.PASSWORD_HASHERS = ["saohei.conftest.FastArgon2PasswordHasher"]  # type: ignore[attr-defined]


@pytest.fixture
def demo(db: None) -> None:
    """The demo town's org and people, without the lead history (tests start from no leads)."""
    load_demo_town(with_history=False)


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
