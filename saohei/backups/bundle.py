"""The plaintext inside a backup: a tar of the database snapshot, every upload, the audit
checkpoint file and a manifest.

Written as a stream into `archive.EncryptingWriter`; read back from `archive.DecryptingReader`
into a temporary directory, where every file is checked against the manifest's SM3 before
anything is restored.
"""

import json
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from cryptography.hazmat.primitives import hashes

from saohei.backups.archive import ArchiveError

MANIFEST = "manifest.json"
DATABASE_DIR = "database"
UPLOADS_DIR = "uploads"
AUDIT_DIR = "audit"
CHECKPOINTS = f"{AUDIT_DIR}/checkpoints.log"
_COPY_BYTES = 256 * 1024


class _HashingReader:
    """Reads a file for tarfile while taking its SM3."""

    def __init__(self, source: BinaryIO) -> None:
        self.source = source
        self.digest = hashes.Hash(hashes.SM3())

    def read(self, size: int = -1) -> bytes:
        data = self.source.read(size)
        self.digest.update(data)
        return data


def _add_file(tar: tarfile.TarFile, path: Path, name: str) -> dict[str, Any]:
    info = tarfile.TarInfo(name)
    info.size = path.stat().st_size
    info.mode = 0o600
    with path.open("rb") as source:
        reader = _HashingReader(source)
        tar.addfile(info, reader)  # type: ignore[arg-type]
    return {"path": name, "size": info.size, "sm3": reader.digest.finalize().hex()}


def upload_files(media_root: Path) -> Iterator[tuple[Path, str]]:
    """Every regular file under the uploads directory, with its name inside the archive."""
    if not media_root.exists():
        return
    for path in sorted(media_root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path, f"{UPLOADS_DIR}/{path.relative_to(media_root).as_posix()}"


def write_bundle(
    target: Any,
    *,
    database_file: Path,
    media_root: Path,
    checkpoint_file: Path | None,
    manifest: dict[str, Any],
) -> dict[str, Any]:
    """Stream the tar into `target`; returns the manifest completed with every file's SM3."""
    with tarfile.open(fileobj=target, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        database = _add_file(tar, database_file, f"{DATABASE_DIR}/{database_file.name}")
        files = [_add_file(tar, path, name) for path, name in upload_files(media_root)]
        checkpoints = _add_file(tar, checkpoint_file, CHECKPOINTS) if checkpoint_file else None
        complete = {**manifest, "database": database, "files": files, "checkpoints": checkpoints}
        body = json.dumps(complete, ensure_ascii=False, indent=1, sort_keys=True).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(body)
        info.mode = 0o600
        tar.addfile(info, _BytesReader(body))  # type: ignore[arg-type]
    return complete


class _BytesReader:
    def __init__(self, data: bytes) -> None:
        self.data = memoryview(data)
        self.position = 0

    def read(self, size: int = -1) -> bytes:
        end = len(self.data) if size < 0 else self.position + size
        chunk = bytes(self.data[self.position : end])
        self.position += len(chunk)
        return chunk


@dataclass(frozen=True)
class Unpacked:
    directory: Path
    manifest: dict[str, Any]

    @property
    def database_file(self) -> Path:
        return self.directory / self.manifest["database"]["path"]

    @property
    def uploads(self) -> Path:
        return self.directory / UPLOADS_DIR

    @property
    def checkpoint_file(self) -> Path | None:
        """The audit checkpoint file as it was when the backup began; None if there was none."""
        return self.directory / CHECKPOINTS if self.manifest.get("checkpoints") else None


def _safe_name(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    allowed_top = path.parts[:1] in ((MANIFEST,), (DATABASE_DIR,), (UPLOADS_DIR,), (AUDIT_DIR,))
    if path.is_absolute() or ".." in path.parts or not allowed_top or name != path.as_posix():
        raise ArchiveError(f"备份中有不允许的条目：{name[:80]}")
    return path


def unpack(source: Any, directory: Path) -> Unpacked:
    """Extract into `directory` and check every file against the manifest (SM3 and size),
    with nothing missing and nothing extra."""
    found: dict[str, tuple[int, str]] = {}
    try:
        with tarfile.open(fileobj=source, mode="r|") as tar:
            for member in tar:
                name = _safe_name(member.name)
                if not member.isfile() or member.name in found:
                    raise ArchiveError(f"备份中有不允许的条目：{member.name[:80]}")
                found[member.name] = _extract(tar, member, directory / name)
    except tarfile.TarError as error:
        raise ArchiveError("备份内容已损坏（归档格式错误）") from error
    if MANIFEST not in found:
        raise ArchiveError("备份中缺少清单（manifest.json）")
    manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    entries = [manifest["database"], *manifest["files"]]
    if manifest.get("checkpoints"):
        entries.append(manifest["checkpoints"])
    expected = {entry["path"]: entry for entry in entries}
    missing = sorted(set(expected) - set(found))
    extra = sorted(set(found) - set(expected) - {MANIFEST})
    if missing or extra:
        raise ArchiveError(
            f"备份内容与清单不符：缺少 {len(missing)} 个文件，多出 {len(extra)} 个文件"
        )
    for name, entry in expected.items():
        if found[name] != (entry["size"], entry["sm3"]):
            raise ArchiveError(f"文件校验失败（SM3 不符）：{name}")
    return Unpacked(directory, manifest)


def _extract(tar: tarfile.TarFile, member: tarfile.TarInfo, path: Path) -> tuple[int, str]:
    source = tar.extractfile(member)
    assert source is not None  # a regular file, checked above
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    digest = hashes.Hash(hashes.SM3())
    size = 0
    with path.open("xb") as target:
        while chunk := source.read(_COPY_BYTES):
            digest.update(chunk)
            target.write(chunk)
            size += len(chunk)
    return size, digest.finalize().hex()
