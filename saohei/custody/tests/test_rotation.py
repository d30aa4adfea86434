"""`manage.py rotate_data_key`: every sealed value moves to the new key, nothing is lost."""

import io
import json
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from saohei.analysis.models import VettingCandidate, VettingRun
from saohei.audit.models import AuditAction, AuditEvent
from saohei.cases.models import REJECTED_ROWS_DATA, Case, CasePerson, ImportJob, Nature, PersonRole
from saohei.common import sealing
from saohei.common.crypto import decrypt_text, encrypt_text
from saohei.common.keyfiles import key_file_lock, parse_data_keys, read_or_create_data_keys
from saohei.common.pii import seal
from saohei.custody import services
from saohei.leads import services as lead_services
from saohei.leads.models import Lead
from saohei.organisations.models import Unit, User

pytestmark = pytest.mark.django_db
Values = dict[str, dict[int, tuple[str, str]]]


@pytest.fixture
def key_file(tmp_path: Path, settings: Any) -> Path:
    """A key file of its own (never the development var/data_keys.json), with key k1."""
    path = tmp_path / "data_keys.json"
    settings.SAOHEI_DATA_KEYS = read_or_create_data_keys(path)
    return path


def _seal_some_of_everything(register: Callable[..., Lead], town: Unit) -> None:
    for number in range(4):
        register(
            reporter=lead_services.ReporterInput(
                name=f"举报人{number}", phone=f"1391234000{number}"
            ),
            subjects=[
                lead_services.SubjectInput(
                    name=f"被反映人{number}", id_number="11010519491231002X", phone="13800001111"
                )
            ],
        )
    case = Case.objects.create(
        unit=town,
        number="A1",
        cause="寻衅滋事",
        nature=Nature.PUBLIC_SECURITY,
        occurred_on=timezone.localdate(),
    )
    for number in range(3):
        id_number, phone = seal("id_number", "370000199001011234"), seal("phone", "13700000000")
        # A police export's second number, a fixed line (decision 0064).
        line = seal("phone", "06315234567")
        CasePerson.objects.create(
            case=case,
            name=f"涉案人{number}",
            role=PersonRole.PARTICIPANT,
            id_number_key=id_number.key_id,
            id_number_sealed=id_number.ciphertext,
            phone_key=phone.key_id,
            phone_sealed=phone.ciphertext,
            phone2_key=line.key_id,
            phone2_sealed=line.ciphertext,
        )
    # A refused case import keeps its bad rows for the download for a day, sealed.
    key_id, rows = encrypt_text(
        '[{"name": "涉案人员", "header": ["身份证号"], "rows": [["370000199001011234", ""]]}]',
        associated_data=REJECTED_ROWS_DATA,
    )
    ImportJob.objects.create(
        unit=town,
        file_name="案件.xlsx",
        file_sha256="0" * 64,
        rejected_rows_key=key_id,
        rejected_rows_sealed=rows,
    )
    # A subject without a phone: empty sealed fields are left alone.
    register(subjects=[lead_services.SubjectInput(name="无号码")])
    # A 村"两委" candidate (analysis registers its sealed fields; a list has no mobiles, but the
    # field is there and is rotated like every other).
    run = VettingRun.objects.create(
        unit=town,
        uploaded_by=User.objects.get(username="banshi"),
        uploaded_at=timezone.now(),
        file_name="名单.xlsx",
        file_sha256="0" * 64,
    )
    candidate = VettingCandidate(
        run=run,
        row_number=2,
        village=Unit.objects.filter(parent=town).villages().first(),
        name="候选人",
        position="委员",
        result="clear",
    )
    candidate.seal_id_number("11010519491231002X")
    candidate.seal_phone("13800001111")
    candidate.save()


def _values() -> Values:
    """Every sealed value, decrypted, with the key id it carries: {field: {pk: (key, text)}}."""
    values: Values = {}
    for field in sealing.SEALED_FIELDS:
        rows = field.model._default_manager.exclude(**{field.ciphertext_field: ""}).values_list(
            "pk", field.key_field, field.ciphertext_field
        )
        values[field.label] = {
            pk: (key_id, decrypt_text(key_id, token, associated_data=field.associated_data))
            for pk, key_id, token in rows
        }
    return values


@pytest.fixture
def sealed(key_file: Path, register: Callable[..., Lead], town: Unit) -> Values:
    _seal_some_of_everything(register, town)
    values = _values()
    assert all(values.values()), "every registered field should hold a value in this test"
    return values


def _rotate(*args: str) -> str:
    out = io.StringIO()
    call_command("rotate_data_key", *args, stdout=out)
    return out.getvalue()


def _plaintexts(values: Values) -> dict[str, dict[int, str]]:
    return {label: {pk: text for pk, (_, text) in rows.items()} for label, rows in values.items()}


def test_round_trip_moves_every_value_to_a_new_key_and_keeps_the_old_one(
    key_file: Path, sealed: Values
) -> None:
    old_key = settings.SAOHEI_DATA_KEYS["k1"]

    output = _rotate("--batch-size", "3")

    assert "k2" in output
    payload = json.loads(key_file.read_text())
    assert payload["current"] == "k2"
    assert set(payload["keys"]) == {"k1", "k2"}
    assert bytes.fromhex(payload["keys"]["k1"]) == old_key
    assert next(iter(settings.SAOHEI_DATA_KEYS)) == "k2"
    assert settings.SAOHEI_DATA_KEYS["k1"] == old_key
    after = _values()
    assert _plaintexts(after) == _plaintexts(sealed)
    assert {key_id for rows in after.values() for key_id, _ in rows.values()} == {"k2"}
    event = AuditEvent.objects.get(action=AuditAction.DATA_KEY_ROTATED)
    total = sum(len(rows) for rows in sealed.values())
    assert event.details["total"] == total
    assert event.details["key_id"] == "k2"
    assert event.details["generated_key"] is True
    for hex_key in payload["keys"].values():
        assert hex_key not in json.dumps(event.details)


def test_key_file_is_replaced_atomically_with_owner_only_permissions(
    key_file: Path, sealed: Values
) -> None:
    _rotate()
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert [path.name for path in key_file.parent.iterdir() if path.suffix == ".tmp"] == []


def test_an_interrupted_rotation_is_finished_by_running_it_again(
    key_file: Path, sealed: Values, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_batch = sealing.reencrypt_batch
    calls = []

    def failing_batch(field: sealing.SealedField, *, batch_size: int) -> int:
        calls.append(field.label)
        if len(calls) == 3:
            raise RuntimeError("断电")
        return real_batch(field, batch_size=batch_size)

    monkeypatch.setattr(sealing, "reencrypt_batch", failing_batch)
    with pytest.raises(RuntimeError):
        services.rotate_data_key(batch_size=2)
    monkeypatch.undo()

    # Half-way: committed batches are under k2, the rest under k1, and all of it reads.
    halfway = _values()
    keys_in_use = {key_id for rows in halfway.values() for key_id, _ in rows.values()}
    assert keys_in_use == {"k1", "k2"}
    assert _plaintexts(halfway) == _plaintexts(sealed)
    assert not AuditEvent.objects.filter(action=AuditAction.DATA_KEY_ROTATED).exists()
    assert "运行时将把上述" in _rotate("--dry-run")

    output = _rotate()

    assert "已生成新数据密钥" not in output
    assert json.loads(key_file.read_text())["current"] == "k2"
    assert set(json.loads(key_file.read_text())["keys"]) == {"k1", "k2"}
    after = _values()
    assert {key_id for rows in after.values() for key_id, _ in rows.values()} == {"k2"}
    assert _plaintexts(after) == _plaintexts(sealed)
    event = AuditEvent.objects.get(action=AuditAction.DATA_KEY_ROTATED)
    assert event.details["generated_key"] is False


def test_a_server_started_before_the_rotation_still_reads_everything(
    key_file: Path, sealed: Values
) -> None:
    server_keys = read_or_create_data_keys(key_file)  # what a running gunicorn worker holds
    _rotate()
    assert server_keys.get("k2") is not None
    assert next(iter(server_keys)) == "k1"  # it keeps writing under k1 until it restarts


def test_dry_run_reports_counts_and_writes_nothing(key_file: Path, sealed: Values) -> None:
    before = key_file.read_text()
    output = _rotate("--dry-run")
    total = sum(len(rows) for rows in sealed.values())
    assert f"全部 {total} 个值" in output
    assert "试运行" in output
    assert key_file.read_text() == before
    assert _values() == sealed
    assert not AuditEvent.objects.filter(action=AuditAction.DATA_KEY_ROTATED).exists()


def test_environment_keys_are_never_invented(
    settings: Any, register: Callable[..., Lead], town: Unit
) -> None:
    old_hex = secrets.token_hex(16)
    settings.SAOHEI_DATA_KEYS = parse_data_keys(f"k1:{old_hex}")
    _seal_some_of_everything(register, town)
    before = _values()

    with pytest.raises(CommandError, match="不会自行生成密钥"):
        _rotate()
    assert "不会自行生成密钥" in _rotate("--dry-run")

    assert _values() == before
    assert not AuditEvent.objects.filter(action=AuditAction.DATA_KEY_ROTATED).exists()

    # The operator puts the new key first and keeps the old one; then the command rotates.
    settings.SAOHEI_DATA_KEYS = parse_data_keys(f"k2:{secrets.token_hex(16)},k1:{old_hex}")
    _rotate()
    after = _values()
    assert {key_id for rows in after.values() for key_id, _ in rows.values()} == {"k2"}
    assert _plaintexts(after) == _plaintexts(before)
    assert AuditEvent.objects.get(action=AuditAction.DATA_KEY_ROTATED).details["key_id"] == "k2"


def test_a_value_under_an_unknown_key_stops_the_run_without_printing_it(
    key_file: Path, sealed: Values
) -> None:
    identity_field = next(f for f in sealing.SEALED_FIELDS if f.label.startswith("vault."))
    pk = min(sealed[identity_field.label])
    identity_field.model._default_manager.filter(pk=pk).update(**{identity_field.key_field: "k9"})
    with pytest.raises(CommandError, match="k9") as raised:
        _rotate()
    assert "举报人" not in str(raised.value)


def test_two_rotations_cannot_run_at_once(key_file: Path, sealed: Values) -> None:
    with key_file_lock(key_file), pytest.raises(CommandError, match="另一个进程"):
        _rotate()
    assert json.loads(key_file.read_text())["current"] == "k1"
