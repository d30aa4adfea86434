"""等保 level-3 rows of docs/security.md that no other test proved (decision 0052).

Each test here is named in that document's table; test_security_doc keeps the two in step.
"""

import ast
import base64
import io
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from openpyxl import load_workbook

from saohei.audit.chain import canonical_payload
from saohei.audit.models import AuditAction, AuditEvent
from saohei.common.crypto import decrypt_text, encrypt_text, hmac_sm3_hex, sm3_hex
from saohei.common.ledgers import write_ledger
from saohei.conftest import sign_in
from saohei.organisations.models import User

ROOT = Path(__file__).resolve().parents[3]


# --- Audit: every user covered; who / when / what / result / IP ---------------------------


@pytest.mark.django_db
def test_every_demo_account_sign_in_is_audited_with_who_when_what_result_and_ip(
    demo: None,
) -> None:
    """Every account, the 三员 and the custodian included, leaves a complete login event."""
    accounts = list(User.objects.filter(is_active=True).order_by("username"))
    assert len(accounts) > 10
    for account in accounts:
        sign_in(Client(), account.username)
    for account in accounts:
        event = AuditEvent.objects.filter(action=AuditAction.LOGIN_SUCCEEDED, actor=account).get()
        assert event.actor_username == account.username, account.username
        assert event.occurred_at is not None
        assert event.result == "success"
        assert event.ip_address == "127.0.0.1"
        assert event.chain_hash


# --- Data: 国密 algorithms, checked against the standards' own test vectors ----------------


def test_sm3_and_sm4_match_the_national_standards_test_vectors() -> None:
    # GB/T 32905-2016 appendix A.1: SM3("abc").
    assert sm3_hex(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    # GB/T 32907-2016 appendix A.1: one SM4 block, key = plaintext = 0123…3210.
    key = bytes.fromhex("0123456789abcdeffedcba9876543210")
    encryptor = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()  # noqa: S305 (test vector)
    assert (encryptor.update(key) + encryptor.finalize()).hex() == (
        "681edf34d206965e86b3e94f536e4246"
    )
    # HMAC-SM3 is RFC 2104 over SM3, as `cryptography` computes it.
    mac = crypto_hmac.HMAC(b"key", hashes.SM3())
    mac.update(b"abc")
    assert hmac_sm3_hex(b"key", b"abc") == mac.finalize().hex()


@pytest.mark.django_db
def test_audit_links_are_hmac_sm3_under_the_audit_key(demo: None) -> None:
    """Recompute the newest links independently: HMAC-SM3(audit key, previous hash ‖ event)."""
    sign_in(Client(), "banshi")
    events = list(AuditEvent.objects.order_by("-sequence")[:3])
    assert events
    for event in events:
        mac = crypto_hmac.HMAC(settings.SAOHEI_AUDIT_KEY, hashes.SM3())
        mac.update(event.previous_hash.encode() + canonical_payload(event))
        assert event.chain_hash == mac.finalize().hex()


def test_sealed_values_are_sm4_gcm_and_refuse_a_changed_byte() -> None:
    key_id, token = encrypt_text("110101199003074514", associated_data=b"id_number")
    # Decrypt with `cryptography` directly: 12-byte nonce, SM4-GCM body, 16-byte tag.
    raw = base64.b64decode(token)
    decryptor = Cipher(
        algorithms.SM4(settings.SAOHEI_DATA_KEYS[key_id]), modes.GCM(raw[:12], raw[-16:])
    ).decryptor()
    decryptor.authenticate_additional_data(b"id_number")
    assert decryptor.update(raw[12:-16]) + decryptor.finalize() == b"110101199003074514"
    altered = bytearray(raw)
    altered[14] ^= 1
    with pytest.raises(Exception, match="密文校验失败"):
        decrypt_text(
            key_id, base64.b64encode(bytes(altered)).decode(), associated_data=b"id_number"
        )


# --- Data in transit: the application's half (TLS itself is the platform's) ----------------


def test_production_settings_send_cookies_only_over_https_and_ask_for_hsts(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "SAOHEI_ENV": "production",
        "SAOHEI_SECRET_KEY": "check-transit-a-long-random-looking-value-for-this-test-only-123",
        "SAOHEI_DATA_KEY": "k1:00112233445566778899aabbccddeeff",
        "SAOHEI_AUDIT_KEY": "00112233445566778899aabbccddeeff",
        "SAOHEI_INDEX_KEY": "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
        "SAOHEI_BACKUP_KEY": "ffeeddccbbaa99887766554433221100",
        "SAOHEI_VAR_DIR": str(tmp_path / "var"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, "
        "s.SESSION_COOKIE_SAMESITE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS > 0, s.DEBUG)"
    )
    completed = subprocess.run(  # noqa: S603 (our own interpreter and settings)
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert completed.stdout.split() == ["True", "True", "True", "Lax", "True", "True", "False"]


# --- Attack corpus: spreadsheet formula injection -------------------------------------------

FORMULAS = ["=1+1", "+1+1", "-1+1", "@SUM(1)", "\t=1+1", "\r=1+1", '=HYPERLINK("http://x","点")']


def test_exported_text_starting_like_a_formula_stays_text() -> None:
    """The one ledger writer stores every text as a string cell, never as a formula."""
    output = io.BytesIO()
    write_ledger(
        output,
        sheet_name="测试台账",
        columns=["序号", "内容"],
        rows=[[text] for text in FORMULAS],
        exported_by="测试",
        filters="",
        noun="条",
        limit=100,
    )
    sheet = load_workbook(io.BytesIO(output.getvalue())).active
    cells = [row[1] for row in sheet.iter_rows(min_row=4) if row[1].value is not None]
    # xlsxwriter stores a CR in the OOXML escape `_x000D_`, which Excel reads back as CR.
    assert [cell.value.replace("_x000D_", "\r") for cell in cells] == FORMULAS
    assert {cell.data_type for cell in cells} == {"s"}


# --- Deployment: offline, nothing fetched from another host --------------------------------

EXTERNAL_RESOURCE = re.compile(
    r"""<(?:script|link|img|iframe|source)\b[^>]*\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""",
    re.IGNORECASE,
)
EXTERNAL_CSS = re.compile(r"""(?:url\(\s*["']?|@import\s+["'])\s*(?:https?:)?//""", re.IGNORECASE)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("username", "path"),
    [
        (None, "/accounts/login/"),
        (None, "/jubao/"),
        ("banshi", "/"),
        ("banshi", "/leads/"),
        ("shuji", "/"),
        ("anquan", "/"),
    ],
)
def test_pages_load_no_script_style_font_or_image_from_another_host(
    demo: None, username: str | None, path: str
) -> None:
    client = sign_in(Client(), username) if username else Client()
    response = client.get(path, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert not EXTERNAL_RESOURCE.search(html), EXTERNAL_RESOURCE.search(html)
    assert not EXTERNAL_CSS.search(html)


def test_static_files_fetch_nothing_from_another_host() -> None:
    checked = 0
    for path in (ROOT / "static").rglob("*"):
        if path.suffix not in {".css", ".js", ".html"}:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        # SVG namespaces and licence comments are names, not fetches.
        text = re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL)
        if path.suffix == ".css":
            assert not EXTERNAL_CSS.search(text), path
        else:
            assert not EXTERNAL_RESOURCE.search(text), path
        checked += 1
    assert checked > 5


# --- Attack corpus: sessions and CSRF -------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["banshi", "xitong"])
def test_a_session_key_planted_before_sign_in_is_not_the_one_signed_in(
    demo: None, username: str
) -> None:
    """Session fixation: a key an attacker set before sign-in never becomes an authenticated one
    (with and without the TOTP step)."""
    client = Client()
    session = client.session
    session["planted"] = True
    session.save()
    planted = session.session_key
    assert planted is not None
    client.cookies[settings.SESSION_COOKIE_NAME] = planted
    sign_in(client, username)
    assert client.session.session_key != planted
    assert client.get("/").status_code == 200
    attacker = Client()
    attacker.cookies[settings.SESSION_COOKIE_NAME] = planted
    assert attacker.get("/").status_code == 302


def _views(patterns: list[Any] | None = None, prefix: str = "/") -> Iterator[tuple[str, Any]]:
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _views(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


@pytest.mark.django_db
def test_csrf_protects_every_page_but_the_token_api(demo: None) -> None:
    """CsrfViewMiddleware is on; no view opts out of it except the bearer-token API (a session
    cookie alone opens nothing there) and the portal's, which run their own check (a cookie-less
    reporter's browser sends `Origin: null`): each of those refuses a POST without the token."""
    assert "django.middleware.csrf.CsrfViewMiddleware" in settings.MIDDLEWARE
    views = list(_views())
    assert len(views) > 100
    exempt = [route for route, view in views if getattr(view, "csrf_exempt", False)]
    portal = [route for route in exempt if not route.startswith("/api/")]
    assert all(route.startswith("/jubao/") and "<" not in route for route in portal), portal
    assert portal, "the portal's own check was not found; if it was removed, update this test"
    for route in portal:
        response = Client(enforce_csrf_checks=True).post(route, {"receipt": "0" * 16})
        assert response.status_code == 403, route
    # The API's exemption is safe only because a session cookie opens none of it.
    assert sign_in(Client(), "banshi").get("/api/v1/me").status_code == 401


NETWORK_MODULES = {"requests", "httpx", "urllib3", "aiohttp", "urllib.request", "http.client"}
NETWORK_MODULES |= {"socket", "smtplib", "ftplib"}


# The one way out, to servers the operator names and off while unnamed: the intranet SMS
# gateway (e-mail goes through Django's mail backend) for notices without content (decision 0060).
MAY_CONNECT = {"saohei/notifications/channels.py": {"http.client"}}


def test_the_application_code_opens_no_connection_to_an_outside_service() -> None:
    """Offline intranets: no module of the application (tests and their helpers aside) imports
    an HTTP, mail or socket client; the database and Redis are reached through their drivers.
    The notice channels are the named exception (`MAY_CONNECT`)."""
    offenders = []
    for path in (ROOT / "saohei").rglob("*.py"):
        if {"tests", "testing"} & set(path.relative_to(ROOT).parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            allowed = MAY_CONNECT.get(str(path.relative_to(ROOT)), set())
            offenders += [f"{path}: {name}" for name in names if name in NETWORK_MODULES - allowed]
    assert not offenders, offenders
