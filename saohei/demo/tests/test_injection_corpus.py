"""The XSS and formula corpus (issue 14): hostile text planted through the services into the
free-text fields of every context, then every page a few roles reach and every export they can
fetch is searched for it.

A page passes when no payload became markup (no injected element, handler or `javascript:`
link, no inline script, JSON for ECharts that cannot close its <script>), a workbook when every
text that starts like a formula is a string cell, a Word or PDF file when the payload reads
back as the literal text that was typed. Each planted context carries its own tag, and the walk
must show every tag somewhere, so a context whose pages were never reached fails the test.
"""

import csv
import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import docx
import lxml.html
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from saohei.accountability import services as talks
from saohei.accountability.models import TalkKind, Topic
from saohei.briefings import services as briefings
from saohei.cases import services as cases
from saohei.cases.models import Case, PersonRole
from saohei.common.tests.test_hostile_forms import _pages
from saohei.common.uploads import CheckedUpload, check_uploads
from saohei.custody.tests.test_leak import _crawl
from saohei.demo.loader import load_demo_town
from saohei.inspections import services as inspection_services
from saohei.inspections.models import ArchiveFolder, InspectionRound, Result
from saohei.leads import services as leads
from saohei.leads.models import Channel, Conclusion, Source
from saohei.meetings import services as meetings
from saohei.meetings.models import Meeting
from saohei.notifications.models import NotificationKind
from saohei.notifications.services import notify
from saohei.organisations.models import Unit, User
from saohei.organisations.services import AccountInput, create_account
from saohei.publicity import services as publicity
from saohei.publicity.models import PlaceType, PublicityKind
from saohei.rectifications import services as rectifications
from saohei.rectifications.models import SourceKind
from saohei.testing.town import SharedTown, shared_layer
from saohei.tips import services as tips
from saohei.tips.models import Tip

# Roles that between them reach every context and every scope: the office, a village head,
# the upper supervisor.
ROLES = ["banshi", "cun02", "shiban"]
# The pages without arguments, the planted records' pages and exports, and the first links from
# them: enough to reach every context's detail pages within the time a test may take.
MAX_PAGES = 160
EXPORTS = [
    "/leads/export.xlsx",
    "/leads/export.xlsx?status=concluded",
    "/cases/export.xlsx",
    "/rectifications/export/",
    "/publicity/export/",
    "/reports/talks.xlsx",
    "/reports/meetings.xlsx",
    "/reports/inspections.xlsx",
    "/reports/statistics/export.xlsx",
    "/audit/export/",
    "/briefings/export.docx",
    "/briefings/export.pdf",
]
# What a payload becomes when the escaping failed: markup of our own making.
RAW_MARKUP = ("<script>alert", "<img src=x onerror", "<svg onload", "</textarea><b>")
# Prefixes a spreadsheet reads as a formula (a stored text loses a leading tab or CR when the
# service trims it; the writer's test covers those two, common/tests/test_security_checklist).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# What a file may be shown as in the page instead of downloaded: pictures the browser draws,
# and plain text (health checks).
SAFE_INLINE = ("image/jpeg", "image/png", "image/gif", "text/plain")
HANDLER_ATTRIBUTE = re.compile(r"^on[a-z]+$")
URL_ATTRIBUTES = ("href", "src", "action", "formaction", "hx-get", "hx-post", "data-url")


def payload(tag: str) -> str:
    """Every context's long text: HTML, attribute, JS-string, template and JSON-in-script
    breakouts, a `javascript:` URL, and a formula at the start."""
    return (
        f'=HYPERLINK("http://x/?{tag}","点击") <script>alert("{tag}")</script>'
        f"\"><img src=x onerror=alert('{tag}')> '-alert(\"{tag}\")-' javascript:alert(1) "
        f"</textarea><b>{tag}</b> {{{{7*7}}}} </script><svg onload=alert(1)> 码头强行收费"
    )


def short(tag: str, prefix: str = "") -> str:
    """A name-sized payload (50 characters at most) that still breaks out of an attribute."""
    text = f'{prefix}"><img src=x onerror=alert(1)>{tag}'
    assert len(text) <= 50, text
    return text


TAGS = (
    "xss-lead",
    "xss-subject",
    "xss-case",
    "xss-tip",
    "xss-talk",
    "xss-decision",
    "xss-item",
    "xss-publicity",
    "xss-briefing",
    "xss-notice",
    "xss-meeting",
    "xss-finding",
    "xss-kind",
    "xss-account",
    "xss-message",
)


# A GIF that is also a script (`GIF89a/*…*/=alert(1)`): no markup, so the upload gate takes it
# as a picture; it must then only ever be served as one (image/gif, nosniff) or downloaded.
GIF_SCRIPT = (
    b"GIF89a/*\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff,\x00\x00\x00\x00\x01\x00\x01"
    b"\x00\x00\x02\x02D\x01\x00;*/=alert(1);"
)
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _polyglot_files() -> list[CheckedUpload]:
    return check_uploads(
        [SimpleUploadedFile("现场.gif", GIF_SCRIPT), SimpleUploadedFile("材料.pdf", PDF)]
    )


@dataclass(frozen=True)
class Planted:
    lead_id: int
    feedback_id: int
    draft_id: int
    case_id: int
    tip_id: int


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _plant_lead(town: Unit, village: Unit) -> tuple[int, int]:
    office, leader, deputy, head = _user("banshi"), _user("shuji"), _user("fushuji"), _user("cun02")
    lead = leads.register_lead(
        actor=office,
        unit=town,
        data=leads.LeadInput(
            received_at=timezone.now() - timedelta(hours=1),
            channel=Channel.PHONE,
            source=Source.PUBLIC_REPORT,
            summary=payload("xss-lead"),
            narrative=payload("xss-lead"),
            village=village,
            place=short("xss-lead", "+"),
            subjects=[
                leads.SubjectInput(
                    name=short("xss-subject", "@"),
                    alias=short("xss-subject", "-"),
                    village=village,
                    position=short("xss-subject"),
                )
            ],
        ),
    )
    leads.triage_lead(actor=office, lead=lead, opinion=payload("xss-lead"))
    leads.assign_lead(actor=office, lead=lead, handling_unit=village, handler=head)
    leads.give_instruction(actor=leader, lead=lead, content=payload("xss-lead"))
    leads.record_investigation(
        actor=head,
        lead=lead,
        occurred_on=timezone.localdate(),
        content=payload("xss-lead"),
        evidence=_polyglot_files(),
    )
    leads.propose_conclusion(
        actor=office, lead=lead, conclusion=Conclusion.CONFIRMED_PUNISHED, basis=payload("xss-lead")
    )
    leads.sign_off(actor=deputy, lead=lead, approve=True)
    feedback = leads.record_feedback(
        actor=office,
        lead=lead,
        fed_back_on=timezone.localdate(),
        recipient=short("xss-lead"),
        content=payload("xss-lead"),
    )
    return lead.pk, feedback.pk


def _plant_case(town: Unit) -> int:
    case = Case.objects.filter(unit=town).order_by("pk").first()
    assert case is not None, "the demo history has no case"
    cases.add_case_person(
        actor=_user("banshi"),
        case=case,
        person=cases.CasePersonInput(
            name=short("xss-case", "="),
            role=PersonRole.PARTICIPANT,
            address=short("xss-case", "-"),
        ),
    )
    return case.pk


def _plant_tip(town: Unit, village: Unit) -> None:
    tips.submit_tip(
        unit=town,
        data=tips.TipInput(
            content=payload("xss-tip"),
            village=village,
            place=short("xss-tip", "@"),
            occurred_when=short("xss-tip"),
            persons=[
                tips.PersonInput(
                    name=short("xss-tip", "="),
                    alias=short("xss-tip", "+"),
                    description=payload("xss-tip"),
                )
            ],
        ),
    )


def _plant_talk(town: Unit) -> None:
    talks.record_talk(
        actor=_user("banshi"),
        unit=town,
        data=talks.TalkInput(
            talked_on=timezone.localdate() - timedelta(days=1),
            place=short("xss-talk", "="),
            interviewer=_user("shuji"),
            interviewees=[_user("cun02")],
            recorder=_user("banshi"),
            kind=TalkKind.ROUTINE,
            topics=[Topic.FOUNDATION],
            other_topics=short("xss-talk", "+"),
            content=payload("xss-talk"),
            follow_up=payload("xss-talk"),
        ),
    )


def _plant_decision(town: Unit) -> None:
    meeting = Meeting.objects.filter(unit=town).order_by("-held_on", "-pk").first()
    assert meeting is not None, "the demo history has no meeting"
    decision = meetings.add_decision(
        actor=_user("banshi"),
        meeting=meeting,
        data=meetings.DecisionInput(
            text=payload("xss-decision"), owner=_user("cun02"), working_days=10
        ),
    )
    meetings.decision_to_task(actor=_user("banshi"), decision=decision, working_days=10)


def _plant_item(town: Unit, village: Unit) -> None:
    item = rectifications.open_item(
        actor=_user("banshi"),
        unit=town,
        source=rectifications.ItemSource(
            kind=SourceKind.MEETING, label=short("xss-item", "-"), url=""
        ),
        data=rectifications.ItemInput(
            village=village,
            description=payload("xss-item"),
            measures=payload("xss-item"),
            responsible_leader=_user("shuji"),
            responsible_unit=village,
            responsible_person=_user("cun02"),
            working_days=10,
        ),
    )
    rectifications.record_progress(
        actor=_user("cun02"),
        item=item,
        occurred_on=timezone.localdate(),
        content=payload("xss-item"),
        evidence=_polyglot_files(),
    )


def _plant_publicity(town: Unit, village: Unit) -> None:
    head = _user("cun02")
    publicity.record_activity(
        actor=head,
        town=town,
        data=publicity.ActivityInput(
            occurred_on=timezone.localdate(),
            kind=PublicityKind.objects.order_by("pk").first(),  # type: ignore[arg-type]
            village=village,
            place_type=PlaceType.RURAL,
            place=short("xss-publicity", "="),
            quantity=Decimal(3),
            handler=head,
            notes=payload("xss-publicity"),
        ),
    )


def _plant_briefing(town: Unit) -> int:
    office = _user("banshi")
    draft = briefings.create_draft(actor=office, unit=town, date_from=None, date_to=None)
    briefings.edit_draft(
        actor=office,
        draft=draft,
        title=short("xss-briefing", "="),
        texts={section["key"]: payload("xss-briefing") for section in draft.sections},
        version=draft.version,
    )
    return draft.pk


def _plant_notice() -> None:
    notify(
        recipients=[_user(name) for name in ROLES],
        title=short("xss-notice", "="),
        body=payload("xss-notice"),
        url="/",
        kind=NotificationKind.INFO,
    )


def _plant_meeting(town: Unit) -> None:
    office, leader = _user("banshi"), _user("shuji")
    meetings.record_meeting(
        actor=office,
        unit=town,
        kind=Meeting.objects.filter(unit=town).order_by("pk").values_list("kind", flat=True)[0],
        record=meetings.MeetingRecord(
            title=short("xss-meeting", "="),
            held_on=timezone.localdate(),
            place=short("xss-meeting", "@"),
            chair=leader,
            recorder=office,
            attendees=[leader, office],
            topics=payload("xss-meeting"),
            reported=payload("xss-meeting"),
            minutes=payload("xss-meeting"),
        ),
    )


def _plant_finding(town: Unit) -> None:
    """A note on the newest round's first village and folder still without a finding."""
    inspection = InspectionRound.objects.filter(unit=town).order_by("-inspected_on", "-pk")[0]
    taken = set(inspection.findings.values_list("village_id", "folder_id"))
    village, folder = next(
        (village, folder)
        for village in inspection.villages.order_by("pk")
        for folder in ArchiveFolder.objects.order_by("pk")
        if (village.pk, folder.pk) not in taken
    )
    inspection_services.record_finding(
        actor=inspection.created_by,
        inspection=inspection,
        village=village,
        folder=folder,
        result=Result.IRREGULAR,
        note=payload("xss-finding"),
    )


def _plant_kind_and_account(town: Unit) -> None:
    publicity.save_kind(
        actor=_user("banshi"),
        kind=None,
        data=publicity.KindInput(name=short("xss-kind", "="), unit_label="次"),
    )
    create_account(
        actor=_user("xitong"),
        data=AccountInput(
            username="xssaccount",
            real_name=short("xss-account", "="),
            unit=town,
            position=short("xss-account", "-"),
        ),
    )


def _plant_message() -> int:
    tip = Tip.objects.order_by("pk").first()
    assert tip is not None, "the demo has a tip"
    tips.send_message_to_reporter(actor=_user("banshi"), tip=tip, body=payload("xss-message"))
    return tip.pk


def _plant_everything() -> Planted:
    town, village = Unit.objects.get(name="港西镇"), Unit.objects.get(name="东岛村")
    lead_id, feedback_id = _plant_lead(town, village)
    case_id = _plant_case(town)
    _plant_tip(town, village)
    _plant_talk(town)
    _plant_decision(town)
    _plant_item(town, village)
    _plant_publicity(town, village)
    draft_id = _plant_briefing(town)
    _plant_notice()
    _plant_meeting(town)
    _plant_finding(town)
    _plant_kind_and_account(town)
    tip_id = _plant_message()
    return Planted(
        lead_id=lead_id, feedback_id=feedback_id, draft_id=draft_id, case_id=case_id, tip_id=tip_id
    )


@shared_layer("planted_payloads")
def _planted_layer() -> Planted:
    """The demo town with its history and the corpus planted, once per worker."""
    load_demo_town(with_history=True)
    return _plant_everything()


@pytest.fixture
def planted_payloads(demo: None, shared_town: SharedTown) -> Planted:
    shared = shared_town.layer_value("planted_payloads")
    if isinstance(shared, Planted):
        return shared
    load_demo_town(with_history=True)
    return _plant_everything()


# --- What each kind of answer must not carry --------------------------------------------------


def _html_faults(path: str, text: str) -> list[str]:
    faults = [f"{path}: raw {marker!r}" for marker in RAW_MARKUP if marker in text]
    if not text.strip():
        return faults
    document = lxml.html.fromstring(text)
    for element in document.iter():
        if not isinstance(element.tag, str):
            continue
        for name, value in element.attrib.items():
            if HANDLER_ATTRIBUTE.match(name.lower()):
                faults.append(f"{path}: <{element.tag} {name}=…>")
            if name in URL_ATTRIBUTES and value.strip().lower().startswith("javascript:"):
                faults.append(f"{path}: <{element.tag} {name}={value[:40]!r}>")
        if element.tag == "script":
            kind = element.get("type", "")
            if kind == "application/json":
                faults += _json_script_faults(path, element.text or "")
            elif element.get("src") is None:
                faults.append(f"{path}: inline script {(element.text or '')[:40]!r}")
        if element.tag in ("img", "svg", "b") and element.text_content() in TAGS:
            faults.append(f"{path}: injected <{element.tag}>")
        if element.tag == "img" and element.get("src") == "x":
            faults.append(f"{path}: injected <img src=x>")
    return faults


def _json_script_faults(path: str, text: str) -> list[str]:
    """json_script escapes <, > and & so that no value can close the <script> it lives in."""
    faults = [f"{path}: unescaped {c!r} in JSON data" for c in "<>" if c in text]
    try:
        json.loads(text)
    except ValueError:
        faults.append(f"{path}: JSON data cut short (a value closed the script?)")
    return faults


def _workbook_faults(path: str, data: bytes) -> tuple[list[str], int]:
    """Cells that a spreadsheet would run, and how many formula-like texts stayed text."""
    faults, neutralised = [], 0
    workbook = load_workbook(io.BytesIO(data))
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                value = cell.value
                if not isinstance(value, str) or not value.startswith(FORMULA_PREFIXES):
                    continue
                if cell.data_type == "s":
                    neutralised += 1
                else:
                    faults.append(f"{path} {sheet.title}!{cell.coordinate}: {value[:40]!r}")
    return faults, neutralised


def _csv_faults(path: str, data: bytes) -> list[str]:
    rows = csv.reader(io.StringIO(data.decode("utf-8-sig", errors="replace")))
    return [
        f"{path}: {cell[:40]!r}"
        for row in rows
        for cell in row
        if cell.startswith(FORMULA_PREFIXES)
    ]


def _word_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    cells = (cell.text for table in document.tables for row in table.rows for cell in row.cells)
    return "\n".join([*(p.text for p in document.paragraphs), *cells])


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def _check(bodies: dict[str, tuple[str, bytes]]) -> tuple[list[str], set[str], int]:
    """Faults, the tags seen anywhere, and the formula-like cells kept as text."""
    faults: list[str] = []
    seen: set[str] = set()
    neutralised = 0
    for path, (content_type, data) in bodies.items():
        if "html" in content_type:
            text = data.decode("utf-8", errors="replace")
            faults += _html_faults(path, text)
        elif "spreadsheetml" in content_type:
            found, kept = _workbook_faults(path, data)
            faults += found
            neutralised += kept
            text = "".join(
                str(cell)
                for sheet in load_workbook(io.BytesIO(data)).worksheets
                for row in sheet.iter_rows(values_only=True)
                for cell in row
            )
        elif "csv" in content_type:
            faults += _csv_faults(path, data)
            text = data.decode("utf-8-sig", errors="replace")
        elif not _is_generated(path):
            # An uploaded file downloaded as it was stored: its headers are checked instead.
            text = ""
        elif "wordprocessingml" in content_type:
            text = _word_text(data)
            faults += _literal_faults(path, text)
        elif "pdf" in content_type:
            text = _pdf_text(data)
            faults += _literal_faults(path, text)
        else:
            text = data.decode("utf-8", errors="replace")
        seen |= {tag for tag in TAGS if tag in text}
    return faults, seen, neutralised


def _is_generated(path: str) -> bool:
    """An export or a report the system writes (not an uploaded file handed back)."""
    route = path.split("?")[0]
    return "export" in route or route.endswith((".docx", ".pdf", ".xlsx"))


def _literal_faults(path: str, text: str) -> list[str]:
    """A Word or PDF file holds each payload as typed: with every literal payload taken out
    (spaces ignored: a PDF wraps lines), no tag is left over from markup that was rendered."""
    squeezed = _squeezed(text)
    for tag in TAGS:
        for typed in (payload(tag), short(tag)):
            squeezed = squeezed.replace(_squeezed(typed), "")
    left = [tag for tag in TAGS if tag in squeezed]
    return [f"{path}: {tag} shown, but not as typed" for tag in left]


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _fetch_all(
    client: Client, start: Iterable[str]
) -> tuple[dict[str, tuple[str, bytes]], dict[str, dict[str, str]]]:
    """Every answer's Content-Type and body, and its headers."""
    headers: dict[str, dict[str, str]] = {}
    crawled = _crawl(client, list(start), headers, max_pages=MAX_PAGES)
    bodies = {path: (headers[path].get("Content-Type", ""), body) for path, body in crawled.items()}
    return bodies, headers


def _served_file_faults(headers: dict[str, dict[str, str]]) -> tuple[list[str], int]:
    """Files (anything but a page or a redirect) go out with nosniff, as an attachment unless
    they are a picture; the count of files seen."""
    faults, files = [], 0
    for path, answer in headers.items():
        kind = answer.get("Content-Type", "")
        if not kind or "text/html" in kind or "Location" in answer:
            continue
        files += 1
        if answer.get("X-Content-Type-Options") != "nosniff":
            faults.append(f"{path}: {kind} without nosniff")
        disposition = answer.get("Content-Disposition", "")
        if not disposition.startswith("attachment") and not kind.startswith(SAFE_INLINE):
            faults.append(f"{path}: {kind} shown inline ({disposition or 'no disposition'})")
    return faults, files


def _start(planted: Planted) -> list[str]:
    return [
        "/",
        "/notifications/",
        f"/leads/{planted.lead_id}/",
        f"/leads/{planted.lead_id}/feedback/{planted.feedback_id}.docx",
        f"/cases/{planted.case_id}/",
        f"/tips/{planted.tip_id}/",
        "/publicity/kinds/",
        "/meetings/new/",
        f"/briefings/drafts/{planted.draft_id}/",
        f"/briefings/drafts/{planted.draft_id}/export.docx",
        f"/briefings/drafts/{planted.draft_id}/export.pdf",
        *EXPORTS,
        *_pages(),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("username", ROLES)
def test_planted_markup_and_formulas_stay_text_in_every_page_and_export(
    planted_payloads: Planted, username: str, client_as: Callable[[str], Client]
) -> None:
    # A view that fails raises here (the test client re-raises): no page escapes the check.
    client = client_as(username)
    bodies, headers = _fetch_all(client, _start(planted_payloads))

    faults, seen, neutralised = _check(bodies)
    file_faults, files = _served_file_faults(headers)

    assert faults == []
    assert file_faults == []
    if username == "banshi":
        # The office reaches every context: each tag was shown somewhere, and formula-like
        # texts reached the workbooks (the checks above had something to find).
        assert set(TAGS) - seen == set()
        assert neutralised >= 5
        assert files >= 10, "the walk downloaded too few files to check how they are served"
    else:
        assert seen, "the walk showed this role none of the planted text"


def test_the_checks_find_markup_that_escaping_let_through() -> None:
    """The page checks catch each kind of breakout (so a pass above means something)."""
    broken = [
        '<p><script>alert("x")</script></p>',
        '<p title=""><img src=x onerror=alert(1)>"></p>',
        '<a href="javascript:alert(1)">x</a>',
        '<script type="application/json">{"a": "</script><svg onload=alert(1)>"}</script>',
        "<textarea></textarea><b>xss-talk</b></textarea>",
    ]
    for text in broken:
        assert _html_faults("/", text), text
    assert _html_faults("/", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>") == []


STATIC = Path(__file__).resolve().parents[2].parent / "static" / "saohei"
HTML_SINKS = re.compile(r"\.innerHTML\b|\.outerHTML\b|insertAdjacentHTML|document\.write|\beval\(")
# A tooltip's own options: what follows `tooltip: {` up to its formatter, if it has one.
TOOLTIP = re.compile(r"tooltip:\s*\{(?P<body>.{0,300}?)(?=formatter|\n\s{0,8}\},)", re.DOTALL)


def test_our_scripts_put_data_into_the_page_as_text_only() -> None:
    """Chart labels and tooltips come from stored text (names, villages): every ECharts tooltip
    is drawn on the canvas (`richText`), never as HTML, and no script of ours writes HTML."""
    scripts = sorted(STATIC.glob("*.js"))
    assert scripts, STATIC
    sinks = [f"{s.name}: {m.group()}" for s in scripts for m in HTML_SINKS.finditer(s.read_text())]
    tooltips = [(s.name, m["body"]) for s in scripts for m in TOOLTIP.finditer(s.read_text())]

    assert sinks == []
    assert len(tooltips) >= 2, "the charts' tooltips were not found"
    assert [name for name, body in tooltips if 'renderMode: "richText"' not in body] == []
