"""Secrets generated once into the var directory, so that a bare `make run` works.

Imported by settings, so it must not import Django.
"""

import fcntl
import json
import os
import re
import secrets
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def create_private_directory(path: Path) -> None:
    """Create `path` (and parents) readable by this account only, and take group and other
    access away from one that already exists, when it is ours to change."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_uid == os.getuid() and path.stat().st_mode & 0o077:
        path.chmod(0o700)


def read_or_create_secret_file(path: Path, *, nbytes: int) -> str:
    """Return the hex secret stored at `path`, creating it (mode 0600) on first use."""
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    create_private_directory(path.parent)
    value = secrets.token_hex(nbytes)
    # O_EXCL: two processes starting together must not write two different keys.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(value)
    return value


def parse_data_keys(value: str) -> dict[str, bytes]:
    """Parse `id1:hex,id2:hex` (current key first) into an ordered id → key mapping."""
    keys: dict[str, bytes] = {}
    for part in value.split(","):
        key_id, _, hex_key = part.strip().partition(":")
        key = bytes.fromhex(hex_key)
        if not key_id or len(key) != 16:
            raise ValueError("SAOHEI_DATA_KEY 格式应为 `密钥编号:32位十六进制`，多个以逗号分隔")
        keys[key_id] = key
    return keys


class KeyFileDataKeys(dict[str, bytes]):
    """The data keys of a key file, current first.

    A key id this process does not know re-reads the file once: `rotate_data_key`, run by
    another process, adds the new key there, and running servers must keep reading the values
    it re-encrypts without a restart. Keys are only ever added here, never reordered, so this
    process keeps encrypting under the key it started with until it restarts (the next rotation
    run re-encrypts whatever it wrote meanwhile).
    """

    def __init__(self, path: Path) -> None:
        super().__init__(_read_data_keys(path))
        self.path = path

    def reload(self) -> None:
        """Re-read the file, including which key is current (for the single-threaded command
        that has just rotated it)."""
        fresh = _read_data_keys(self.path)
        self.clear()
        self.update(fresh)

    def get(self, key_id: str, default: Any = None) -> Any:  # type: ignore[override]
        if key_id not in self:
            for known_id, key in _read_data_keys(self.path).items():
                self.setdefault(known_id, key)
        return super().get(key_id, default)


def _read_data_keys(path: Path) -> dict[str, bytes]:
    payload = json.loads(path.read_text(encoding="ascii"))
    current = payload["current"]
    ordered = {current: bytes.fromhex(payload["keys"][current])}
    for key_id, hex_key in payload["keys"].items():
        ordered.setdefault(key_id, bytes.fromhex(hex_key))
    return ordered


def read_or_create_data_keys(path: Path) -> KeyFileDataKeys:
    """Data keys kept in a JSON file: {"current": id, "keys": {id: hex}}; created on first use."""
    if not path.exists():
        key_id = "k1"
        payload = {"current": key_id, "keys": {key_id: secrets.token_hex(16)}}
        create_private_directory(path.parent)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return read_or_create_data_keys(path)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            json.dump(payload, handle)
    return KeyFileDataKeys(path)


def next_data_key_id(existing: Iterable[str]) -> str:
    """k1, k2, …: one more than the highest numbered id in use."""
    numbers = [int(key_id[1:]) for key_id in existing if re.fullmatch(r"k\d+", key_id)]
    return f"k{max(numbers, default=0) + 1}"


def add_current_data_key(path: Path) -> str:
    """Generate a new data key into the key file as the current one, keeping every older key.

    The file is replaced atomically (temporary file, fsync, `os.replace`), so a crash leaves
    either the old file or the new one, never half of either. Returns the new key id.
    """
    keys = _read_data_keys(path)
    key_id = next_data_key_id(keys)
    hex_keys = {known_id: key.hex() for known_id, key in keys.items()}
    hex_keys[key_id] = secrets.token_hex(16)
    write_data_keys_atomically(path, current=key_id, hex_keys=hex_keys)
    return key_id


def write_data_keys_atomically(path: Path, *, current: str, hex_keys: dict[str, str]) -> None:
    if current not in hex_keys:
        raise ValueError("当前密钥必须在密钥列表中")
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # mkstemp creates the file 0600, like the original.
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            json.dump({"current": current, "keys": hex_keys}, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # the rename itself must survive a power cut
    finally:
        os.close(directory)


class KeyFileBusy(Exception):
    """Another process holds the key file's rotation lock."""


@contextmanager
def key_file_lock(path: Path) -> Iterator[None]:
    """Exclusive, non-blocking: two rotations at once could each invent a different new key."""
    fd = os.open(path.with_name(path.name + ".lock"), os.O_WRONLY | os.O_CREAT, 0o600)
    with os.fdopen(fd, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise KeyFileBusy(f"另一个进程正在轮换 {path.name} 中的密钥") from error
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
