"""Checks for uploaded files: size, count and the real type read from the content."""

import hashlib
import re
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.db.models.fields.files import FieldFile

from saohei.common.errors import ServiceError
from saohei.common.officefiles import OfficeFileRefused, check_office_file
from saohei.common.thumbnails import make_thumbnail

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_FILES = 10

# (magic bytes at offset 0, content type, label); ZIP covers .docx/.xlsx.
_SIGNATURES: list[tuple[bytes, str, str]] = [
    (b"%PDF-", "application/pdf", "PDF"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "PNG图片"),
    (b"\xff\xd8\xff", "image/jpeg", "JPEG图片"),
    (b"GIF8", "image/gif", "GIF图片"),
    (b"PK\x03\x04", "application/zip", "Office文档"),
    (b"ID3", "audio/mpeg", "MP3音频"),
    (b"\xff\xfb", "audio/mpeg", "MP3音频"),
    (b"RIFF", "audio/wav", "WAV音频"),
]

# Markup a browser would run if it ever read the file as a page (a JPEG with HTML in a comment,
# a GIF whose header is also a script): long enough that no photo or recording holds one by
# chance. The files are served as attachments with nosniff too; this refuses them at the door.
_MARKUP = re.compile(
    rb"<(?:script|html|svg|iframe|body|object|embed)[\s/>]|<!doctype\s+html|javascript:",
    re.IGNORECASE,
)
# A PDF action that runs script (`/S /JavaScript`) or the document's script names tree; a PDF
# that starts a program (`/Launch`). Written plainly, as a hand-made or forged file has them.
_PDF_ACTIVE = re.compile(rb"/JavaScript\b|/Launch\b")
# Read in pieces that overlap by the longest pattern, so that none is missed at a boundary.
_SCAN_CHUNK = 1024 * 1024
_SCAN_OVERLAP = 32

# Major brands of the `ftyp` box that mark a still picture (decision 0037): an iPhone writes
# `heic` (or `mif1` with `heic` among the compatible brands); the sequences are bursts and live
# photos. Anything else in an `ftyp` box is still read as MP4 video or M4A audio.
_HEIC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"})
_HEIF_BRANDS = frozenset({b"mif1", b"msf1"})


@dataclass(frozen=True)
class CheckedUpload:
    upload: UploadedFile
    content_type: str
    sha256: str
    size: int


def sniff_content_type(head: bytes) -> str | None:
    for magic, content_type, _ in _SIGNATURES:
        if head.startswith(magic):
            return content_type
    if head[4:8] == b"ftyp":  # ISO base media: MP4 / M4A, and HEIC / HEIF photos
        brand = head[8:12]
        if brand in _HEIC_BRANDS:
            return "image/heic"
        if brand in _HEIF_BRANDS:
            return "image/heif"
        return "video/mp4" if b"mp4" in head[8:16] or b"isom" in head[8:16] else "audio/mp4"
    return None


def check_uploads(files: list[UploadedFile], *, field: str = "attachments") -> list[CheckedUpload]:
    """Refuse the whole batch if any file is too big or not of an allowed type; the refusal
    names `field`, the form field the files came in, so that it is shown beside it."""
    if len(files) > MAX_FILES:
        raise ServiceError(f"一次最多上传 {MAX_FILES} 个文件", field=field)
    checked = []
    for upload in files:
        size = upload.size or 0
        if size > MAX_FILE_BYTES:
            raise ServiceError(
                f"文件“{upload.name}”超过 {MAX_FILE_BYTES // 1024 // 1024}MB", field=field
            )
        if size == 0:
            raise ServiceError(f"文件“{upload.name}”是空文件", field=field)
        upload.seek(0)
        content_type = sniff_content_type(upload.read(32))
        if content_type is None:
            raise ServiceError(
                f"文件“{upload.name}”的类型不受支持（可上传图片、PDF、Office文档、音视频）",
                field=field,
            )
        if content_type != "application/zip" and _holds(upload, _MARKUP):
            raise ServiceError(
                f"文件“{upload.name}”中含有网页代码，不是真正的图片、PDF或音视频，未能接收",
                field=field,
            )
        if content_type == "application/pdf" and _holds(upload, _PDF_ACTIVE):
            raise ServiceError(
                f"PDF“{upload.name}”含有脚本或启动程序的动作，未能接收；请另存为普通PDF后上传",
                field=field,
            )
        if content_type == "application/zip":
            # Whoever downloads it opens it in Office: a real document, not a bomb.
            try:
                check_office_file(upload, name=str(upload.name))
            except OfficeFileRefused as error:
                raise ServiceError(error.message, field=field) from error
        digest = hashlib.sha256()
        upload.seek(0)
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        checked.append(CheckedUpload(upload, content_type, digest.hexdigest(), size))
    return checked


def _holds(upload: UploadedFile, pattern: re.Pattern[bytes]) -> bool:
    """Whether the file's bytes anywhere match `pattern` (read in overlapping pieces)."""
    upload.seek(0)
    tail = b""
    while piece := upload.read(_SCAN_CHUNK):
        if pattern.search(tail + piece):
            upload.seek(0)
            return True
        tail = piece[-_SCAN_OVERLAP:]
    upload.seek(0)
    return False


def store_upload(file: FieldFile, checked: CheckedUpload) -> None:
    """Save a checked upload under its digest and, for a picture, its thumbnail beside it."""
    file.save(checked.sha256, checked.upload, save=False)
    make_thumbnail(file, checked.content_type)
