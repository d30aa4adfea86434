"""Checks for uploaded files: size, count and the real type read from the content."""

import hashlib
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


def store_upload(file: FieldFile, checked: CheckedUpload) -> None:
    """Save a checked upload under its digest and, for a picture, its thumbnail beside it."""
    file.save(checked.sha256, checked.upload, save=False)
    make_thumbnail(file, checked.content_type)
