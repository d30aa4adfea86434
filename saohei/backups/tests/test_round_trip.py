"""Backup and restore as an operator runs them: separate processes, a real var directory each,
a real database (a SQLite file, or a new PostgreSQL database when the suite runs on one)."""

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from saohei.backups.archive import DecryptingReader, EncryptingWriter
from saohei.backups.bundle import unpack, write_bundle
from saohei.testing.processes import BASE_DIR, run_manage, server_environment

_POSTGRES_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = _POSTGRES_URL.startswith("postgres")

# Appends audit events (the hash chain) and backup records until the stop file appears.
_WRITER = """
import os, time
from pathlib import Path
from saohei.audit.models import AuditAction
from saohei.audit.services import record_event
stop = Path(os.environ["STOP_FILE"])
written = 0
while not stop.exists():
    record_event(action=AuditAction.LOGOUT, details={"writer": written})
    written += 1
    print(written, flush=True)
    time.sleep(0.01)
"""

_DESCRIBE = """
import json
from saohei.backups.database import describe_current
from saohei.leads.models import Subject
counts, migrations, key_ids = describe_current()
subject = Subject.objects.exclude(id_number_sealed="").order_by("pk").first()
print(json.dumps({"counts": counts, "id_number": subject.unsealed_id_number() if subject else ""}))
"""

_CHECKPOINT = """
from saohei.audit.checkpoints import write_checkpoint
write_checkpoint()
"""


@dataclass
class Installation:
    var_dir: Path
    env: dict[str, str]
    database: str  # PostgreSQL database name, or "" for SQLite

    @property
    def uploads(self) -> Path:
        return self.var_dir / "uploads"

    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = run_manage(self.env, *args)
        if check:
            assert result.returncode == 0, result.stderr[-3000:]
        return result

    def describe(self) -> dict[str, Any]:
        output = self.manage("shell", "-c", _DESCRIBE).stdout
        return json.loads(output.strip().splitlines()[-1])

    def is_untouched(self) -> bool:
        """Nothing restored: no database content, no uploads."""
        if self.uploads.exists() and any(self.uploads.iterdir()):
            return False
        if not self.database:
            database = self.var_dir / "saohei.sqlite3"
            return not database.exists()
        return _postgres_tables(self.database) == 0


def _postgres_admin(sql: str) -> None:
    import psycopg

    base = _POSTGRES_URL.rsplit("/", 1)[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(sql)  # type: ignore[arg-type]


def _postgres_tables(name: str) -> int:
    import psycopg

    base = _POSTGRES_URL.rsplit("/", 1)[0]
    with psycopg.connect(f"{base}/{name}") as conn:
        row = conn.execute("SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
        return int(row[0]) if row else 0


def _keys_of(var_dir: Path) -> dict[str, str]:
    """The source's keys, as an operator hands them to the new installation."""
    data = json.loads((var_dir / "data_keys.json").read_text())
    ordered = [data["current"], *(key for key in data["keys"] if key != data["current"])]
    return {
        "SAOHEI_DATA_KEY": ",".join(f"{key}:{data['keys'][key]}" for key in ordered),
        "SAOHEI_AUDIT_KEY": (var_dir / "audit_key").read_text().strip(),
        "SAOHEI_INDEX_KEY": (var_dir / "index_key").read_text().strip(),
        "SAOHEI_BACKUP_KEY": (var_dir / "backup_key").read_text().strip(),
    }


@pytest.fixture(scope="module")
def databases() -> Iterator[list[str]]:
    """PostgreSQL databases made for this module (dropped after it); none on SQLite."""
    made: list[str] = []
    yield made
    for name in made:
        _postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _installation(root: Path, databases: list[str], **extra: str) -> Installation:
    var_dir = root / uuid.uuid4().hex[:8]
    settings: dict[str, str] = dict(extra)
    name = ""
    if ON_POSTGRES:
        name = f"saohei_backup_{uuid.uuid4().hex[:12]}"
        _postgres_admin(
            f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' LC_CTYPE 'C.UTF-8' LC_COLLATE 'C.UTF-8'"
        )
        databases.append(name)
        settings["DATABASE_URL"] = f"{_POSTGRES_URL.rsplit('/', 1)[0]}/{name}"
    return Installation(var_dir, server_environment(var_dir, **settings), name)


@dataclass
class Backed:
    source: Installation
    archive: Path
    manifest: dict[str, Any]
    events_before: int
    events_after: int
    seconds: float


@pytest.fixture(scope="module")
def backed(tmp_path_factory: pytest.TempPathFactory, databases: list[str]) -> Backed:
    """The demo town with its history, backed up while a writer appends audit events."""
    root = tmp_path_factory.mktemp("installations")
    source = _installation(root, databases)
    source.manage("migrate", "--verbosity", "0")
    source.manage("load_demo")
    stop = root / "stop-writing"
    writer = subprocess.Popen(  # noqa: S603 (our own manage.py)
        [sys.executable, "manage.py", "shell", "-c", _WRITER],
        cwd=BASE_DIR,
        env={**source.env, "STOP_FILE": str(stop)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None
        writer.stdout.readline()  # the writer is writing
        # A checkpoint of the head, as the hourly job writes one, for the backup to carry.
        source.manage("shell", "-c", _CHECKPOINT)
        before = source.describe()["counts"]["audit_auditevent"]
        started = time.monotonic()
        source.manage("backup", "--output", str(root / "backups"))
        seconds = time.monotonic() - started
        time.sleep(0.5)
    finally:
        stop.touch()
        writer.wait(timeout=60)
    after = source.describe()["counts"]["audit_auditevent"]
    archive = next((root / "backups").glob("saohei-*.sbk"))
    key = bytes.fromhex(_keys_of(source.var_dir)["SAOHEI_BACKUP_KEY"])
    with archive.open("rb") as handle:
        manifest = unpack(DecryptingReader(handle, key=key), root / "unpacked").manifest
    return Backed(source, archive, manifest, before, after, seconds)


def test_a_backup_taken_during_writes_holds_one_moment(backed: Backed) -> None:
    in_backup = backed.manifest["tables"]["audit_auditevent"]
    assert backed.events_before < in_backup < backed.events_after
    assert backed.manifest["engine"] == ("postgresql" if ON_POSTGRES else "sqlite")
    assert backed.manifest["files"] and backed.manifest["data_key_ids"]
    assert "key" not in json.dumps(backed.manifest["data_key_ids"])
    keys = _keys_of(backed.source.var_dir).values()
    raw = backed.archive.read_bytes()
    assert not any(key.encode() in raw or bytes.fromhex(key.split(":")[-1]) in raw for key in keys)


def test_restore_brings_back_every_row_every_upload_and_a_sealed_id_number(
    backed: Backed, tmp_path: Path, databases: list[str]
) -> None:
    target = _installation(tmp_path, databases, **_keys_of(backed.source.var_dir))
    started = time.monotonic()
    result = target.manage("restore", str(backed.archive))
    print(
        f"backup {backed.seconds:.1f} s, restore {time.monotonic() - started:.1f} s (with start-up)"
    )
    assert "恢复完成" in result.stdout
    restored = target.describe()
    expected = dict(backed.manifest["tables"])
    expected["audit_auditevent"] += 1  # the restore's own event
    assert restored["counts"] == expected
    sources = sorted(
        p.relative_to(backed.source.uploads)
        for p in backed.source.uploads.rglob("*")
        if p.is_file()
    )
    assert sources == sorted(
        p.relative_to(target.uploads) for p in target.uploads.rglob("*") if p.is_file()
    )
    for relative in sources:
        assert (target.uploads / relative).read_bytes() == (
            backed.source.uploads / relative
        ).read_bytes()
    assert restored["id_number"] and restored["id_number"] == backed.source.describe()["id_number"]
    # The checkpoint file comes back as it was when the backup began, and the chain reaches it.
    assert "审计检查点文件已恢复" in result.stdout
    checkpoints = target.var_dir / "audit" / "checkpoints.log"
    assert checkpoints.read_bytes() == _unpacked(backed, tmp_path).checkpoint_file.read_bytes()
    assert checkpoints.read_bytes().strip()
    verified = target.manage("verify_audit").stdout
    assert "审计日志完整" in verified and "检查点" in verified


def _unpacked(backed: Backed, directory: Path) -> Any:
    key = bytes.fromhex(_keys_of(backed.source.var_dir)["SAOHEI_BACKUP_KEY"])
    with backed.archive.open("rb") as handle:
        return unpack(DecryptingReader(handle, key=key), directory / "unpacked")


def test_a_checkpoint_the_restored_chain_does_not_hold_is_refused_and_nothing_is_written(
    backed: Backed, tmp_path: Path, databases: list[str]
) -> None:
    """A backup whose checkpoint file was rewritten (with the backup key: its SM3s made to fit)
    is refused, the database it loaded undone."""
    unpacked = _unpacked(backed, tmp_path)
    line = json.loads(unpacked.checkpoint_file.read_text().splitlines()[-1])
    line["chain_hash"] = "0" * len(line["chain_hash"])
    forged = tmp_path / "forged-checkpoints.log"
    forged.write_text(json.dumps(line) + "\n")
    archive = tmp_path / "forged.sbk"
    key = bytes.fromhex(_keys_of(backed.source.var_dir)["SAOHEI_BACKUP_KEY"])
    with archive.open("xb") as target:
        writer = EncryptingWriter(target, key=key)
        write_bundle(
            writer,
            database_file=unpacked.database_file,
            media_root=unpacked.uploads,
            checkpoint_file=forged,
            manifest={
                k: v
                for k, v in unpacked.manifest.items()
                if k not in ("database", "files", "checkpoints")
            },
        )
        writer.close()
    stderr = _refused(backed, tmp_path, databases, archive)
    assert "检查点" in stderr and "已撤销" in stderr


def _refused(
    backed: Backed, tmp_path: Path, databases: list[str], archive: Path, **keys: str
) -> str:
    target = _installation(tmp_path, databases, **{**_keys_of(backed.source.var_dir), **keys})
    result = target.manage("restore", str(archive), check=False)
    assert result.returncode != 0
    assert target.is_untouched()
    return result.stderr


def test_a_truncated_archive_is_refused_and_nothing_is_written(
    backed: Backed, tmp_path: Path, databases: list[str]
) -> None:
    cut = tmp_path / "cut.sbk"
    cut.write_bytes(backed.archive.read_bytes()[: backed.archive.stat().st_size * 2 // 3])
    assert "被截断" in _refused(backed, tmp_path, databases, cut)


def test_an_altered_byte_is_refused_and_nothing_is_written(
    backed: Backed, tmp_path: Path, databases: list[str]
) -> None:
    altered = tmp_path / "altered.sbk"
    data = bytearray(backed.archive.read_bytes())
    data[len(data) // 2] ^= 0x01
    altered.write_bytes(bytes(data))
    assert "被篡改" in _refused(backed, tmp_path, databases, altered)


def test_a_wrong_backup_key_is_refused_and_nothing_is_written(
    backed: Backed, tmp_path: Path, databases: list[str]
) -> None:
    stderr = _refused(backed, tmp_path, databases, backed.archive, SAOHEI_BACKUP_KEY="ab" * 16)
    assert "备份密钥不正确" in stderr


def test_a_different_audit_key_is_refused_before_anything_is_written(
    backed: Backed, tmp_path: Path, databases: list[str]
) -> None:
    stderr = _refused(backed, tmp_path, databases, backed.archive, SAOHEI_AUDIT_KEY="cd" * 32)
    assert "审计密钥" in stderr


def test_restore_into_an_installation_with_uploads_is_refused(backed: Backed) -> None:
    result = backed.source.manage("restore", str(backed.archive), check=False)
    assert result.returncode != 0 and "不是空的" in result.stderr
