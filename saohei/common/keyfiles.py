"""Secrets generated once into the var directory, so that a bare `make run` works.

Imported by settings, so it must not import Django.
"""

import json
import os
import secrets
from pathlib import Path


def read_or_create_secret_file(path: Path, *, nbytes: int) -> str:
    """Return the hex secret stored at `path`, creating it (mode 0600) on first use."""
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
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


def read_or_create_data_keys(path: Path) -> dict[str, bytes]:
    """Data keys kept in a JSON file: {"current": id, "keys": {id: hex}}; created on first use."""
    if not path.exists():
        key_id = "k1"
        payload = {"current": key_id, "keys": {key_id: secrets.token_hex(16)}}
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return read_or_create_data_keys(path)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            json.dump(payload, handle)
    payload = json.loads(path.read_text(encoding="ascii"))
    current = payload["current"]
    ordered = {current: bytes.fromhex(payload["keys"][current])}
    for key_id, hex_key in payload["keys"].items():
        ordered.setdefault(key_id, bytes.fromhex(hex_key))
    return ordered
