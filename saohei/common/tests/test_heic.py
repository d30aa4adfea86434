"""iPhone photos (HEIC/HEIF) are pictures, not M4A audio (decision 0037): read as images by the
upload check and named as pictures; real recordings and videos stay what they were. Their
thumbnails are in test_thumbnails, the pages that show them in the contexts' tests."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from saohei.common.templatetags.files import file_kind
from saohei.common.uploads import check_uploads, sniff_content_type
from saohei.testing.images import image_bytes


def _ftyp(major: bytes, *compatible: bytes) -> bytes:
    """The `ftyp` box that opens an ISO base media file, as the phone or encoder writes it."""
    body = b"ftyp" + major + b"\x00\x00\x00\x00" + b"".join(compatible)
    return (len(body) + 4).to_bytes(4, "big") + body + b"\x00" * 16


def test_an_iphone_photo_is_checked_in_as_a_heic_picture() -> None:
    checked = check_uploads([SimpleUploadedFile("IMG_0001.HEIC", image_bytes("HEIF"))])
    assert checked[0].content_type == "image/heic"


@pytest.mark.parametrize(
    ("head", "content_type"),
    [
        (_ftyp(b"heic", b"mif1", b"heic"), "image/heic"),
        (_ftyp(b"heix", b"mif1", b"heix"), "image/heic"),
        (_ftyp(b"hevc", b"msf1", b"hevc"), "image/heic"),  # a burst or live photo
        (_ftyp(b"mif1", b"heic", b"miaf"), "image/heif"),
        (_ftyp(b"msf1", b"hevc"), "image/heif"),
        # A voice memo and an AAC file from an encoder: audio as before.
        (_ftyp(b"M4A ", b"M4A ", b"isom", b"mp42"), "audio/mp4"),
        (_ftyp(b"M4A ", b"M4A ", b"mp42", b"isom"), "audio/mp4"),
        # Phone videos: video as before.
        (_ftyp(b"mp42", b"isom", b"mp42"), "video/mp4"),
        (_ftyp(b"isom", b"isom", b"iso2", b"avc1", b"mp41"), "video/mp4"),
    ],
)
def test_iso_media_files_are_told_apart_by_their_brand(head: bytes, content_type: str) -> None:
    assert sniff_content_type(head[:32]) == content_type


def test_an_m4a_recording_is_still_checked_in_as_audio() -> None:
    recording = _ftyp(b"M4A ", b"M4A ", b"isom", b"mp42") + b"\x00\x00\x00\x08free" * 8
    assert check_uploads([SimpleUploadedFile("录音.m4a", recording)])[0].content_type == (
        "audio/mp4"
    )


@pytest.mark.parametrize(
    ("content_type", "label"), [("image/heic", "HEIC 图片"), ("image/heif", "HEIF 图片")]
)
def test_heic_photos_are_named_as_pictures(content_type: str, label: str) -> None:
    assert file_kind(content_type, "IMG_0003.HEIC") == (label, "图片")
