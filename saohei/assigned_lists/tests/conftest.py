from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from saohei.common.roles import Role
from saohei.conftest import DEMO_PASSWORD
from saohei.organisations.models import RoleGrant, Unit, UnitKind, User
from saohei.organisations.services import build_unit


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def town(demo: None) -> Unit:
    return Unit.objects.get(name="港西镇")


@pytest.fixture
def banshi(demo: None) -> User:
    return User.objects.get(username="banshi")


def make_account(username: str, unit: Unit, role: Role) -> User:
    account = User(username=username, real_name=username, unit=unit)
    account.set_password(DEMO_PASSWORD)
    account.must_change_password = False
    account.password_changed_at = timezone.now()
    account.save()
    RoleGrant.objects.create(user=account, role=role, unit=unit)
    return account


@pytest.fixture
def other_town(town: Unit) -> Unit:
    """港东镇 beside 港西镇: its clerk gdbanshi."""
    other = build_unit(name="港东镇", kind=UnitKind.TOWN, parent=town.parent, code="GD")
    build_unit(name="港东村", kind=UnitKind.VILLAGE, parent=other)
    make_account("gdbanshi", other, Role.OFFICE_STAFF)
    return other
