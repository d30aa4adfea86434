"""The frame format on its own: what each kind of damage looks like to the reader."""

import io
import os
import struct

import pytest

from saohei.backups.archive import (
    FRAME_BYTES,
    MAGIC,
    ArchiveError,
    DecryptingReader,
    EncryptingWriter,
)

KEY = bytes(range(16))
HEADER = len(MAGIC) + 16 + 16


def _sealed(data: bytes) -> bytes:
    target = io.BytesIO()
    writer = EncryptingWriter(target, key=KEY)
    writer.write(data)
    writer.close()
    return target.getvalue()


def _frames(sealed: bytes) -> list[bytes]:
    frames, position = [], HEADER
    while position < len(sealed):
        (length,) = struct.unpack(">I", sealed[position : position + 4])
        end = position + 4 + 12 + length + 16
        frames.append(sealed[position:end])
        position = end
    return frames


def _read(sealed: bytes, *, key: bytes = KEY) -> bytes:
    return DecryptingReader(io.BytesIO(sealed), key=key).read()


def test_what_is_written_reads_back_in_frames_of_bounded_size() -> None:
    data = os.urandom(2 * FRAME_BYTES + 123)
    target = io.BytesIO()
    writer = EncryptingWriter(target, key=KEY)
    for start in range(0, len(data), 300_000):
        writer.write(data[start : start + 300_000])
        assert len(writer.buffer) <= FRAME_BYTES
    writer.close()
    assert _read(target.getvalue()) == data
    assert len(_frames(target.getvalue())) == 3


def test_frames_swapped_or_dropped_at_the_end_are_refused() -> None:
    sealed = _sealed(os.urandom(2 * FRAME_BYTES + 1))
    header, (first, second, last) = sealed[:HEADER], _frames(sealed)
    with pytest.raises(ArchiveError, match="校验失败"):
        _read(header + second + first + last)
    with pytest.raises(ArchiveError, match="被截断"):
        _read(header + first + second)


def test_a_frame_from_another_archive_is_refused() -> None:
    one, other = _sealed(b"a" * 10), _sealed(b"b" * 10)
    with pytest.raises(ArchiveError, match="校验失败"):
        _read(one[:HEADER] + _frames(other)[0])


def test_bytes_after_the_last_frame_are_refused() -> None:
    with pytest.raises(ArchiveError, match="结尾之后"):
        _read(_sealed(b"data") + b"\0")


def test_a_wrong_key_is_named_as_such() -> None:
    with pytest.raises(ArchiveError, match="备份密钥不正确"):
        _read(_sealed(b"data"), key=bytes(16))
