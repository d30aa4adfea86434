"""docs/security.md stays true: every test it names exists, every checklist row is proven.

The checklist is ../shared/DOMAIN.md §6 split into rows (decision 0052). A row names at least
one test (`saohei/<app>/tests/<file>.py::<test>` or `::<Class>::<method>`, parametrised ids in
brackets stripped) or gives the platform's reason after `平台：`.
"""

import ast
import re
import subprocess
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "security.md"

REFERENCE = re.compile(r"(saohei/[\w/]+\.py)::(\w+)(?:::(\w+))?(?:\[[^\]]*\])?")
ROW = re.compile(r"^\|\s*([IAUDP]\d+)\s*\|(.*)\|\s*$")
PLATFORM = "平台："

# DOMAIN.md §6, item by item, and the rows of the checklist that answer each.
SECTION_6 = {
    "identity: unique accounts": ["I1"],
    "identity: password complexity (>=8, 3 of 4 classes)": ["I2", "I3"],
    "identity: expiry": ["I4"],
    "identity: forced change of initial passwords": ["I5"],
    "identity: lockout after 5 failures": ["I6"],
    "identity: idle timeout <=30 min": ["I7"],
    "identity: two factors for privileged roles (one cryptographic)": ["I8"],
    "access: least privilege": ["A1"],
    "access: record-level scope": ["A2"],
    "access: field-level masking of ID numbers, phones, plates": ["A3", "A4", "A5"],
    "access: 三员 separate accounts": ["A6"],
    "access: 三员 mutually exclusive": ["A7"],
    "access: 三员 read no lead content by default": ["A8"],
    "audit: every user covered": ["U1"],
    "audit: logins": ["U2"],
    "audit: failures": ["U3"],
    "audit: permission changes": ["U4"],
    "audit: views of leads": ["U5"],
    "audit: exports of leads": ["U6"],
    "audit: identity reveals": ["U7"],
    "audit: assignments": ["U8"],
    "audit: conclusions": ["U9"],
    "audit: configuration changes": ["U10"],
    "audit: who/when/what/result/IP": ["U11"],
    "audit: append-only": ["U12"],
    "audit: tamper-evident": ["U13"],
    "audit: kept >=6 months": ["U14"],
    "data: integrity at rest": ["D1"],
    "data: confidentiality at rest": ["D2"],
    "data: integrity and confidentiality in transit": ["D3", "D4"],
    "data: SM3 / HMAC-SM3": ["D5"],
    "data: SM4": ["D6"],
    "data: backups with tested restores": ["D8"],
    "data: sessions cleared at logout": ["D9"],
    "deployment: offline, no CDN, no external fonts or services": ["P1", "P2"],
}


def _text() -> str:
    return DOC.read_text(encoding="utf-8")


def _checklist_rows(text: str) -> dict[str, str]:
    section = text.split("## 1. The checklist", 1)[1].split("\n## 2.", 1)[0]
    rows: dict[str, str] = {}
    for line in section.splitlines():
        match = ROW.match(line)
        if match:
            assert match.group(1) not in rows, f"row {match.group(1)} appears twice"
            rows[match.group(1)] = match.group(2)
    return rows


@cache
def _definitions(path: str) -> tuple[frozenset[str], frozenset[tuple[str, str]]]:
    """Module-level test functions and (class, method) pairs of a test file."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    functions = {
        node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    methods = {
        (node.name, item.name)
        for node in tree.body
        if isinstance(node, ast.ClassDef)
        for item in node.body
        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    return frozenset(functions), frozenset(methods)


def missing_references(text: str) -> list[str]:
    """Every `file::name` of the text that does not name a test defined in that file."""
    missing = []
    for match in REFERENCE.finditer(text):
        path, first, second = match.groups()
        if not (ROOT / path).is_file():
            missing.append(f"{match.group(0)}: no such file")
            continue
        functions, methods = _definitions(path)
        if second is None:
            found = first in functions and first.startswith("test")
        else:
            found = (first, second) in methods and second.startswith("test")
        if not found:
            missing.append(f"{match.group(0)}: not defined there")
    return missing


def test_every_named_test_exists() -> None:
    text = _text()
    assert len(REFERENCE.findall(text)) > 100
    assert missing_references(text) == []


def test_a_wrong_reference_is_caught() -> None:
    """The check itself: a misspelt test, a wrong class and a missing file are each reported."""
    text = (
        "`saohei/accounts/tests/test_login.py::test_logout_deletes_the_server_session` "
        "`saohei/accounts/tests/test_login.py::test_logout_deletes_the_server_sessions` "
        "`saohei/accounts/tests/test_login.py::TestSecondFactor::test_three_admin_roles_need_a_totp_step[x]` "
        "`saohei/accounts/tests/test_login.py::TestFirstFactor::test_three_admin_roles_need_a_totp_step` "
        "`saohei/accounts/tests/test_nowhere.py::test_anything`"
    )
    assert len(missing_references(text)) == 3


def test_every_checklist_row_names_a_test_or_a_platform_reason() -> None:
    rows = _checklist_rows(_text())
    assert len(rows) >= 40
    unproven = [
        row for row, cells in rows.items() if not REFERENCE.search(cells) and PLATFORM not in cells
    ]
    assert unproven == []


def test_every_item_of_domain_section_6_has_its_rows() -> None:
    rows = _checklist_rows(_text())
    absent = {item: ids for item, ids in SECTION_6.items() if not set(ids) <= rows.keys()}
    assert absent == {}


def test_every_bandit_exception_in_the_code_is_explained() -> None:
    """Each file with a `# noqa: S…` outside the tests is named in the document's table."""
    found = subprocess.run(
        ["grep", "-rlE", "noqa: S[0-9]", "saohei", "config", "--include=*.py"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    files = sorted(path for path in found if "/tests/" not in path)
    assert files
    scanning = _text().split("## 4. Dependency and code scanning", 1)[1]
    assert [path for path in files if f"`{path}`" not in scanning] == []
