import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from saohei.common.roles import Role
from saohei.organisations.models import Unit, User

pytestmark = pytest.mark.django_db


def test_bootstrap_creates_three_admins_with_random_passwords() -> None:
    out = io.StringIO()
    call_command(
        "bootstrap_admins", "--city", "某市扫黑办", "--town", "某镇", "--code", "mz", stdout=out
    )
    lines = [line.split(": ") for line in out.getvalue().splitlines() if ": " in line]
    passwords = {line[0].split()[-1]: line[1] for line in lines}
    assert set(passwords) == {"xitong", "anquan", "shenji"}
    for username, password in passwords.items():
        admin = User.objects.get(username=username)
        assert admin.check_password(password)
        assert admin.must_change_password
        assert password != "Saohei@2026"
    assert User.objects.get(username="anquan").has_role(Role.SECURITY_ADMIN)
    assert Unit.objects.get(name="某镇").code == "MZ"


def test_bootstrap_refuses_a_used_installation(demo: None) -> None:
    with pytest.raises(CommandError, match="已有账号"):
        call_command(
            "bootstrap_admins", "--city", "X", "--town", "Y", "--code", "Y", stdout=io.StringIO()
        )
    assert not Unit.objects.filter(name="Y").exists()


def test_bootstrap_refuses_a_bad_code(db: None) -> None:
    with pytest.raises(CommandError, match="大写字母"):
        call_command(
            "bootstrap_admins", "--city", "X", "--town", "Y", "--code", "港西", stdout=io.StringIO()
        )
    assert not User.objects.exists()
