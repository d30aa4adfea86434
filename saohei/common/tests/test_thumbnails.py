"""Thumbnails made at upload (decision 0022): a real picture gets a small JPEG beside it."""

import io
from typing import Any, cast

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models.fields.files import FieldFile
from PIL import Image

from saohei.common.templatetags.files import file_kind
from saohei.common.thumbnails import THUMBNAIL_SIZE, make_thumbnail, thumbnail_name
from saohei.common.uploads import check_uploads
from saohei.testing.images import EXIF_MAKE, image_bytes

pytestmark = pytest.mark.usefixtures("tmp_media")


class _Stored:
    """A stand-in for a model's FieldFile: the storage and the stored name are all it uses."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.storage = default_storage

    def __bool__(self) -> bool:
        return True

    def open(self, mode: str = "rb") -> Any:
        return self.storage.open(self.name, mode)


def _store(content: bytes) -> FieldFile:
    return cast(FieldFile, _Stored(default_storage.save("test/abc", io.BytesIO(content))))


def test_a_photo_gets_a_jpeg_thumbnail_within_the_size_without_its_exif() -> None:
    stored = _store(image_bytes("JPEG", (1200, 800)))
    assert make_thumbnail(stored, "image/jpeg")
    with default_storage.open(thumbnail_name(stored)) as file, Image.open(file) as thumbnail:
        assert thumbnail.format == "JPEG"
        width, height = thumbnail.size
        assert width == THUMBNAIL_SIZE and height in (170, 171)  # 3:2 kept, rounded
        assert EXIF_MAKE not in thumbnail.getexif()


def test_an_iphone_photo_gets_a_jpeg_thumbnail_of_its_picture_without_its_exif() -> None:
    stored = _store(image_bytes("HEIF", (1200, 800)))
    assert make_thumbnail(stored, "image/heic")
    with default_storage.open(thumbnail_name(stored)) as file, Image.open(file) as thumbnail:
        assert thumbnail.format == "JPEG" and thumbnail.size[0] == THUMBNAIL_SIZE
        assert EXIF_MAKE not in thumbnail.getexif()
        red, _, blue = thumbnail.convert("RGB").getpixel((1, 1))  # type: ignore[misc]
        assert blue > 120 and red < 80  # the photo's blue stripe, not a blank tile


def test_a_transparent_png_gets_a_thumbnail_on_white() -> None:
    stored = _store(image_bytes("PNG", (300, 600)))
    assert make_thumbnail(stored, "image/png")
    with default_storage.open(thumbnail_name(stored)) as file, Image.open(file) as thumbnail:
        assert max(thumbnail.size) == THUMBNAIL_SIZE
        red, _, _ = thumbnail.convert("RGB").getpixel((THUMBNAIL_SIZE // 4 - 1, 5))  # type: ignore[misc]
        assert red > 240  # the transparent stripe turned white, not black


def test_a_file_that_only_looks_like_a_picture_gets_no_thumbnail() -> None:
    fake = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    assert check_uploads([SimpleUploadedFile("假.png", fake)])[0].content_type == "image/png"
    stored = _store(fake)
    assert not make_thumbnail(stored, "image/png")
    assert not default_storage.exists(thumbnail_name(stored))


def test_a_pdf_gets_no_thumbnail() -> None:
    stored = _store(b"%PDF-1.4\n" + b"0" * 64)
    assert not make_thumbnail(stored, "application/pdf")


@pytest.mark.parametrize(
    ("content_type", "name", "label"),
    [
        ("application/zip", "整改方案.docx", "Word 文档"),
        ("application/zip", "台账.XLSX", "Excel 表格"),
        ("application/zip", "无扩展名", "Office 文档"),
        ("application/pdf", "通报.pdf", "PDF 文件"),
        ("image/jpeg", "附件3.jpg", "JPEG 图片"),
        ("audio/mpeg", "录音.mp3", "MP3 录音"),
    ],
)
def test_file_kinds_are_named_in_chinese(content_type: str, name: str, label: str) -> None:
    assert file_kind(content_type, name)[0] == label
