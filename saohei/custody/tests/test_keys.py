"""Keys that do not fit the stored data are named and refused before a server or worker starts
(issue 14 "Faults", decision 0046): a database restored without its keys used to meet freshly
generated ones, `verify_audit` reported tampering at record 1 and a reveal answered 500."""

import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from saohei.audit.models import AuditAction
from saohei.audit.services import record_event
from saohei.custody.keys import key_mismatches, refuse_mismatched_keys
from saohei.leads import services as lead_services
from saohei.leads.models import Lead
from saohei.testing.processes import run_manage, server_environment

pytestmark = pytest.mark.django_db

PLANTED_ID = "11010519491231002X"


@pytest.fixture
def stored(register: Callable[..., Lead]) -> None:
    """Sealed values (a reporter in the vault, a subject's ID number and mobile with their blind
    indexes) and audit events, under the test run's keys."""
    register(
        reporter=lead_services.ReporterInput(name="举报人", phone="13912340000"),
        subjects=[
            lead_services.SubjectInput(name="被反映人", id_number=PLANTED_ID, phone="13800001111")
        ],
    )
    record_event(action=AuditAction.LOGOUT)


def test_the_keys_that_sealed_the_data_fit_it(stored: None) -> None:
    assert key_mismatches() == []
    refuse_mismatched_keys()


def test_an_empty_database_fits_any_keys(settings: Any) -> None:
    settings.SAOHEI_DATA_KEYS = {"k7": secrets.token_bytes(16)}
    settings.SAOHEI_AUDIT_KEY = secrets.token_bytes(32)
    assert key_mismatches() == []


def test_a_missing_data_key_is_named(stored: None, settings: Any) -> None:
    (old,) = {*settings.SAOHEI_DATA_KEYS}
    settings.SAOHEI_DATA_KEYS = {"k9": secrets.token_bytes(16)}
    problems = key_mismatches()
    assert problems and all(f"缺少数据密钥 {old}" in problem for problem in problems)
    with pytest.raises(ImproperlyConfigured, match=f"缺少数据密钥 {old}"):
        refuse_mismatched_keys()


def test_a_different_data_key_under_the_same_id_is_refused(stored: None, settings: Any) -> None:
    (key_id,) = {*settings.SAOHEI_DATA_KEYS}
    settings.SAOHEI_DATA_KEYS = {key_id: secrets.token_bytes(16)}
    problems = key_mismatches()
    assert any(f"数据密钥 {key_id} 与数据库中的密文不符" in problem for problem in problems)
    assert not any("审计" in problem for problem in problems)


def test_a_different_index_key_is_refused(stored: None, settings: Any) -> None:
    settings.SAOHEI_INDEX_KEY = secrets.token_bytes(32)
    assert any("索引密钥" in problem for problem in key_mismatches())


def test_a_different_audit_key_is_refused(stored: None, settings: Any) -> None:
    settings.SAOHEI_AUDIT_KEY = secrets.token_bytes(32)
    assert key_mismatches() == ["审计密钥与数据库中的审计日志不符（第 1 条记录）"]


def test_no_message_carries_a_value_or_a_key(stored: None, settings: Any) -> None:
    settings.SAOHEI_INDEX_KEY = secrets.token_bytes(32)
    settings.SAOHEI_AUDIT_KEY = secrets.token_bytes(32)
    text = "".join(key_mismatches())
    assert PLANTED_ID not in text and "13800001111" not in text
    assert settings.SAOHEI_AUDIT_KEY.hex() not in text


def test_a_database_copied_without_its_keys_does_not_start(tmp_path: Path) -> None:
    """The tester's case end to end: an installation with data, its var directory's key files
    lost (a restore onto a new server), the settings generate new ones, the server refuses."""
    env = server_environment(tmp_path / "var")
    for args in (("migrate", "--noinput", "-v0"), ("load_demo",)):
        done = run_manage(env, *args)
        assert done.returncode == 0, done.stderr
    for name in ("data_keys.json", "index_key", "audit_key"):
        (tmp_path / "var" / name).unlink()

    started = run_manage(env, "shell", "-c", "import config.wsgi")
    assert started.returncode != 0
    assert "密钥与数据库中的数据不符，拒绝启动" in started.stderr
    assert "缺少数据密钥" not in started.stderr  # the new file's key has the old id, k1 …
    assert "数据密钥 k1 与数据库中的密文不符" in started.stderr  # … and does not fit
    assert "审计密钥与数据库中的审计日志不符" in started.stderr
    worker = run_manage(env, "run_worker", "--batch")
    assert worker.returncode != 0
    assert "拒绝启动" in worker.stderr
