"""Disguised, polyglot and active uploads (issue 14) against the one upload gate
(`common.uploads.check_uploads`, which the portal's tip gate ends in), and through every page
form that takes a file: refused in Chinese, nothing stored.

The forms are found by rendering every staff page without URL arguments and reading their
<input type="file">, so a new upload field is covered without editing this file."""

import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import lxml.html
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from saohei.common.errors import ServiceError
from saohei.common.tests.test_hostile_forms import SKIPPED_PREFIXES, _fields, _pages, _row_counts
from saohei.common.uploads import check_uploads
from saohei.organisations.models import Unit
from saohei.testing.images import image_bytes
from saohei.tips.services import check_tip_uploads

JPEG = image_bytes("JPEG", (64, 48))
PNG = image_bytes("PNG", (64, 48))
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'


def _jpeg_with_comment(comment: bytes) -> bytes:
    """A real JPEG with a COM segment right after SOI: a picture to Pillow, a page to a sniffer."""
    segment = b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment
    return JPEG[:2] + segment + JPEG[2:]


def _gif_with_comment(comment: bytes) -> bytes:
    """A 1×1 GIF whose comment extension carries `comment`."""
    header = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff"
    extension = b"!\xfe" + bytes([len(comment)]) + comment + b"\x00"
    image = b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
    return header + extension + image


def _pdf(body: bytes) -> bytes:
    return b"%PDF-1.4\n" + body + b"\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _zip_bomb() -> bytes:
    """An .xlsx-shaped archive of a few hundred KB whose sheet inflates to 200 MB of zeros."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (200 * 1024 * 1024))
    return buffer.getvalue()


# name → (file name as uploaded, content): each must be refused by every upload field.
HOSTILE = {
    "html-renamed-jpg": ("现场照片.jpg", HTML),
    "svg-renamed-png": ("现场照片.png", SVG),
    "jpeg-html-polyglot": ("现场照片.jpg", _jpeg_with_comment(b"<html><script>alert(1)</script>")),
    "gif-html-polyglot": ("图.gif", _gif_with_comment(b"<script src=//x></script>")),
    "pdf-javascript": (
        "材料.pdf",
        _pdf(b"1 0 obj<</Type/Catalog/OpenAction<</S/JavaScript/JS(app.alert(1))>>>>endobj"),
    ),
    "pdf-launch": ("材料.pdf", _pdf(b"1 0 obj<</OpenAction<</S/Launch/F(cmd.exe)>>>>endobj")),
    "zip-bomb-xlsx": ("台账.xlsx", _zip_bomb()),
}
# What the gate must go on accepting (a check that refused these would break every form).
ORDINARY = {
    "jpeg": ("现场照片.jpg", JPEG),
    "png": ("现场照片.png", PNG),
    "gif-with-a-plain-comment": ("图.gif", _gif_with_comment(b"GIF comment: no markup")),
    "pdf": ("材料.pdf", _pdf(b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj")),
}


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.mark.parametrize("gate", [check_uploads, check_tip_uploads], ids=["staff", "portal"])
@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_every_gate_refuses_disguised_polyglot_and_active_files_in_chinese(
    gate: Callable[[list[SimpleUploadedFile]], object], case: str
) -> None:
    name, content = HOSTILE[case]
    with pytest.raises(ServiceError) as refused:
        gate([_upload(name, content)])
    assert any("\u4e00" <= c <= "\u9fff" for c in refused.value.message)


@pytest.mark.parametrize("case", ORDINARY, ids=list(ORDINARY))
def test_ordinary_pictures_and_pdfs_still_pass(case: str) -> None:
    name, content = ORDINARY[case]
    assert len(check_uploads([_upload(name, content)])) == 1


def test_markup_across_a_read_boundary_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    from saohei.common import uploads

    monkeypatch.setattr(uploads, "_SCAN_CHUNK", 64)
    content = _jpeg_with_comment(b"." * 60 + b"<script>alert(1)</script>")
    with pytest.raises(ServiceError):
        check_uploads([_upload("现场照片.jpg", content)])


# --- Every upload field of the staff pages ---------------------------------------------------

ACCOUNTS = ["banshi", "cun02"]
IDENTIFIER_FIELDS = re.compile(r"phone|id_number|plates|reporter")


def _file_forms(client: Client) -> dict[str, tuple[list[str], dict[str, str]]]:
    """action → (its file fields, the values the page filled in), for every POST form with one."""
    forms: dict[str, tuple[list[str], dict[str, str]]] = {}
    for page in _pages():
        response = client.get(page)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        for form in lxml.html.fromstring(response.content.decode()).forms:
            files = [
                e.get("name")
                for e in form.inputs
                if e.tag == "input" and e.get("type") == "file" and e.get("name")
            ]
            action = urljoin(page, form.get("action") or page)
            if files and not action.startswith(SKIPPED_PREFIXES) and action not in forms:
                forms[action] = (files, _filled(form))
    return forms


def _filled(form: Any) -> dict[str, str]:
    """The form as a person completes it, so that the file is what it is refused for: empty
    text, dates and numbers filled in, the first choice of each list and of each group of
    boxes taken; identifiers (which have their own formats) left empty."""
    values, _choices, _texts = _fields(form)
    today = timezone.localdate().isoformat()
    for element in form.inputs:
        name = element.get("name")
        if not name or values.get(name, "").strip():
            continue
        kind = element.get("type", "text")
        if element.tag == "textarea" or (element.tag == "input" and kind == "text"):
            if not IDENTIFIER_FIELDS.search(name):
                values[name] = "上传材料的核对说明，用于测试"
        elif kind == "date":
            values[name] = today
        elif kind == "number":
            values[name] = "1"
        elif kind == "checkbox" and element.get("value", "").isdigit():
            values[name] = element.get("value")
    return values


def _stored_files(media: Path) -> set[Path]:
    return {path for path in media.rglob("*") if path.is_file()} if media.exists() else set()


@pytest.mark.django_db
@pytest.mark.parametrize("username", ACCOUNTS)
def test_every_upload_field_refuses_hostile_files_and_stores_nothing(
    demo_history: Unit, username: str, client_as: Callable[[str], Client], tmp_media: Path
) -> None:
    client = client_as(username)
    client.raise_request_exception = False
    forms = _file_forms(client)
    assert forms, "the page walk found no upload field"
    failures = []
    for action, (fields, values) in forms.items():
        refused = 0
        for case, (name, content) in HOSTILE.items():
            before, files_before = _row_counts(), _stored_files(tmp_media)
            data = {**values, **{field: _upload(name, content) for field in fields}}
            answer = client.post(action, data)
            refused += name in answer.content.decode()
            if answer.status_code >= 500:
                failures.append(f"{username} {action} {case}: {answer.status_code}")
            if _row_counts() != before:
                failures.append(f"{username} {action} {case}: wrote rows")
            if _stored_files(tmp_media) != files_before:
                failures.append(f"{username} {action} {case}: stored a file")
        if not refused:
            failures.append(f"{username} {action}: no file was refused by name (not reached?)")
    assert failures == [], "\n".join(failures)
