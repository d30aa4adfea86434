"""The encrypted backup file: a tar stream cut into frames, each sealed with SM4-GCM.

Layout: MAGIC, a 16-byte random archive id, a 16-byte check value of the backup key, then
frames of `length (4 bytes) ‖ nonce ‖ ciphertext ‖ tag`. Each frame's associated data is the
archive id, its index and whether it is the last one, so frames cannot be reordered, moved
between archives or cut off at the end unnoticed; memory stays at one frame whatever the size.
"""

import os
import struct
from collections.abc import Iterator
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from saohei.common.crypto import NONCE_BYTES, TAG_BYTES, constant_time_equal, hmac_sm3_hex

MAGIC = b"SAOHEI-BACKUP-1\n"
FRAME_BYTES = 1024 * 1024
_ARCHIVE_ID_BYTES = 16
_KEY_CHECK_BYTES = 16
_LENGTH = struct.Struct(">I")


class ArchiveError(Exception):
    """The archive is damaged, truncated or altered, or sealed under another backup key."""


def key_check(key: bytes, purpose: bytes) -> bytes:
    """A value that tells whether two keys are the same without revealing either."""
    return bytes.fromhex(hmac_sm3_hex(key, b"saohei-key-check:" + purpose))[:_KEY_CHECK_BYTES]


def _associated_data(archive_id: bytes, index: int, *, last: bool) -> bytes:
    return archive_id + struct.pack(">Q?", index, last)


class EncryptingWriter:
    """A write-only file object: what is written comes out as sealed frames."""

    def __init__(self, target: BinaryIO, *, key: bytes) -> None:
        self.target = target
        self.key = key
        self.archive_id = os.urandom(_ARCHIVE_ID_BYTES)
        self.buffer = bytearray()
        self.index = 0
        self.closed = False
        target.write(MAGIC + self.archive_id + key_check(key, b"backup"))

    def write(self, data: bytes) -> int:
        self.buffer.extend(data)
        while len(self.buffer) > FRAME_BYTES:
            self._seal(bytes(self.buffer[:FRAME_BYTES]), last=False)
            del self.buffer[:FRAME_BYTES]
        return len(data)

    def close(self) -> None:
        """Seal the rest as the last frame (possibly empty): its absence means truncation."""
        if not self.closed:
            self._seal(bytes(self.buffer), last=True)
            self.buffer.clear()
            self.closed = True

    def _seal(self, plaintext: bytes, *, last: bool) -> None:
        nonce = os.urandom(NONCE_BYTES)
        encryptor = Cipher(algorithms.SM4(self.key), modes.GCM(nonce)).encryptor()
        encryptor.authenticate_additional_data(
            _associated_data(self.archive_id, self.index, last=last)
        )
        body = encryptor.update(plaintext) + encryptor.finalize()
        self.target.write(_LENGTH.pack(len(body)) + nonce + body + encryptor.tag)
        self.index += 1


def _read_exactly(source: BinaryIO, size: int) -> bytes:
    data = source.read(size)
    if len(data) != size:
        raise ArchiveError("备份文件不完整（被截断）")
    return data


def decrypted_frames(source: BinaryIO, *, key: bytes) -> Iterator[bytes]:
    """Each frame's plaintext, only once its tag holds; refuses a wrong key, a changed byte,
    reordered frames, a missing end and anything after it."""
    header = source.read(len(MAGIC) + _ARCHIVE_ID_BYTES + _KEY_CHECK_BYTES)
    if (
        not header.startswith(MAGIC)
        or len(header) < len(MAGIC) + _ARCHIVE_ID_BYTES + _KEY_CHECK_BYTES
    ):
        raise ArchiveError("不是本系统的备份文件，或文件头已损坏")
    archive_id = header[len(MAGIC) : len(MAGIC) + _ARCHIVE_ID_BYTES]
    if not constant_time_equal(header[-_KEY_CHECK_BYTES:].hex(), key_check(key, b"backup").hex()):
        raise ArchiveError(
            "备份密钥不正确：此备份不是用当前配置的备份密钥（SAOHEI_BACKUP_KEY）加密的"
        )
    index = 0
    while True:
        (length,) = _LENGTH.unpack(_read_exactly(source, _LENGTH.size))
        if length > FRAME_BYTES:
            raise ArchiveError("备份文件已损坏（分块长度异常）")
        nonce = _read_exactly(source, NONCE_BYTES)
        body = _read_exactly(source, length)
        tag = _read_exactly(source, TAG_BYTES)
        plaintext, last = _open_frame(key, archive_id, index, nonce, body, tag)
        yield plaintext
        if last:
            if source.read(1):
                raise ArchiveError("备份文件已损坏（结尾之后还有数据）")
            return
        index += 1


def _open_frame(
    key: bytes, archive_id: bytes, index: int, nonce: bytes, body: bytes, tag: bytes
) -> tuple[bytes, bool]:
    # The reader does not know which frame is last: it tries "not last" first, then "last".
    for last in (False, True):
        decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
        decryptor.authenticate_additional_data(_associated_data(archive_id, index, last=last))
        try:
            return decryptor.update(body) + decryptor.finalize(), last
        except InvalidTag:  # try the other flag, then give up
            continue
    raise ArchiveError(f"备份文件已损坏或被篡改（第 {index + 1} 个分块校验失败）")


class DecryptingReader:
    """A read-only file object over `decrypted_frames`, for `tarfile` in stream mode."""

    def __init__(self, source: BinaryIO, *, key: bytes) -> None:
        self.frames = decrypted_frames(source, key=key)
        self.frame = b""
        self.position = 0

    def read(self, size: int = -1) -> bytes:
        parts = []
        wanted = size if size >= 0 else float("inf")
        while wanted > 0:
            if self.position == len(self.frame):
                next_frame = next(self.frames, None)
                if next_frame is None:
                    break
                self.frame, self.position = next_frame, 0
                continue
            end = min(len(self.frame), self.position + int(min(wanted, len(self.frame))))
            parts.append(self.frame[self.position : end])
            wanted -= end - self.position
            self.position = end
        return b"".join(parts)
