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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import docx
import lxml.html
import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import Client
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from pypdf import PdfReader

from saohei.accountability import services as talks
from saohei.accountability.models import TalkKind, Topic
from saohei.accounts.services import request_password_reset
from saohei.analysis import services as analysis
from saohei.analysis.changes import refresh_pending
from saohei.analysis.models import (
    Appearance,
    FailedElement,
    Person,
    Prompt,
    PromptStatus,
    SamePersonSuggestion,
    SuggestionStatus,
)
from saohei.analysis.registry import current_settings
from saohei.api.services import create_api_token
from saohei.assigned_lists import services as assigned_lists
from saohei.briefings import services as briefings
from saohei.cases import services as cases
from saohei.cases.access import can_import
from saohei.cases.kinds import CASE_SHEET
from saohei.cases.models import Case, ImportStatus, PersonRole, ReviewConclusion
from saohei.cases.tests.helpers import (
    CASE_HEADER,
    PERSON_HEADER,
    VALID_ID,
    case_row,
    csv_file,
    person_row,
)
from saohei.city_assignments import services as city
from saohei.city_assignments.tests.conftest import conclude_and_feed_back
from saohei.common.errors import ServiceError
from saohei.common.plates import clean_plates
from saohei.common.roles import Role
from saohei.common.tests.test_hostile_forms import _pages
from saohei.common.uploads import CheckedUpload, check_uploads
from saohei.custody import services as custody
from saohei.custody.models import PaymentMethod
from saohei.custody.tests.test_leak import _crawl
from saohei.demo.loader import load_demo_town
from saohei.inspections import services as inspection_services
from saohei.inspections.models import ArchiveFolder, InspectionRound, Result
from saohei.leads import services as leads
from saohei.leads.models import Channel, Conclusion, DictionaryKind, Lead, Satisfaction, Source
from saohei.leads.settings_services import add_dictionary_entry
from saohei.meetings import self_inspection
from saohei.meetings import services as meetings
from saohei.meetings.models import Assessment, MaterialKind, Meeting, MeetingKind
from saohei.notifications.models import NotificationKind
from saohei.notifications.services import notify
from saohei.organisations.forms import AccountCreateForm, UnitCreateForm
from saohei.organisations.models import GroupRole, LeadingGroup, RoleGrant, Unit, UnitKind, User
from saohei.organisations.services import (
    AccountInput,
    UnitInput,
    add_group_member,
    create_account,
    create_unit,
)
from saohei.publicity import services as publicity
from saohei.publicity.models import PlaceType, PublicityKind
from saohei.rectifications import services as rectifications
from saohei.rectifications.models import SourceKind
from saohei.sheets.services import save_value_mapping
from saohei.testing.town import SharedTown, shared_layer
from saohei.tips import services as tips
from saohei.tips.models import Tip
from saohei.village_reports import services as village_reports
from saohei.village_reports.models import ReportKind
from saohei.village_reports.queries import previous_month
from saohei.workdays.services import add_override

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


def medium(tag: str) -> str:
    """A reason-sized payload (100 characters at most): a script, then the attribute breakout."""
    text = f'<script>alert("{tag}")</script>{short(tag)}'
    assert len(text) <= 100, text
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
    "xss-village-report",
    "xss-briefing",
    "xss-notice",
    "xss-meeting",
    "xss-finding",
    "xss-kind",
    "xss-account",
    "xss-message",
    "xss-import",
    "xss-selfcheck",
    "xss-round",
    "xss-unit",
    "xss-list",
    "xss-city",
)


# A GIF that is also a script (`GIF89a/*…*/=alert(1)`): no markup, so the upload gate takes it
# as a picture; it must then only ever be served as one (image/gif, nosniff) or downloaded.
GIF_SCRIPT = (
    b"GIF89a/*\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff,\x00\x00\x00\x00\x01\x00\x01"
    b"\x00\x00\x02\x02D\x01\x00;*/=alert(1);"
)
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _polyglot_files(tag: str) -> list[CheckedUpload]:
    """The polyglot picture and a PDF, the PDF under a name that breaks out of an attribute (a
    file name is text the uploader chose)."""
    return check_uploads(
        [SimpleUploadedFile("现场.gif", GIF_SCRIPT), SimpleUploadedFile(f"{short(tag)}.pdf", PDF)]
    )


@dataclass(frozen=True)
class Planted:
    lead_id: int
    feedback_id: int
    draft_id: int
    case_id: int
    import_case_id: int
    tip_id: int
    planted_tip_id: int
    self_inspection_id: int
    round_id: int
    list_id: int
    staged_list_id: int
    assignment_id: int


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
                    address=short("xss-subject", "="),
                    village=village,
                    position=short("xss-subject"),
                )
            ],
            # A real-name reporter, so that the lead can be followed up (回访) below.
            reporter=leads.ReporterInput(name="王某某", phone="13800138000"),
        ),
    )
    leads.triage_lead(actor=office, lead=lead, opinion=payload("xss-lead"))
    leads.assign_lead(actor=office, lead=lead, handling_unit=village, handler=head)
    due_on = Lead.objects.get(pk=lead.pk).due_on
    assert due_on is not None
    leads.extend_deadline(
        actor=deputy, lead=lead, new_due_on=due_on + timedelta(days=7), reason=payload("xss-lead")
    )
    instruction = leads.give_instruction(actor=leader, lead=lead, content=payload("xss-lead"))
    leads.answer_instruction(actor=head, instruction=instruction, answer=payload("xss-lead"))
    leads.record_investigation(
        actor=head,
        lead=lead,
        occurred_on=timezone.localdate(),
        content=payload("xss-lead"),
        evidence=_polyglot_files("xss-lead"),
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
    leads.record_follow_up(
        actor=office,
        lead=lead,
        data=leads.FollowUpInput(
            contacted_on=timezone.localdate(),
            method=short("xss-lead", "-"),
            satisfaction=Satisfaction.MOSTLY,
            notes=payload("xss-lead"),
        ),
    )
    upper = leads.register_lead(
        actor=office,
        unit=town,
        data=leads.LeadInput(
            received_at=timezone.now() - timedelta(hours=2),
            channel=Channel.LETTER,
            source=Source.UPPER_ASSIGNED,
            summary=payload("xss-lead"),
            upstream_office=short("xss-lead", "="),
            upstream_reference=short("xss-lead", "@"),
        ),
    )
    leads.link_leads(actor=office, lead=lead, other=upper, note=short("xss-lead", "+"))
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
    cases.review_case(
        actor=_user("banshi"),
        case=case,
        conclusion=ReviewConclusion.EXCLUDED,
        reviewed_on=timezone.localdate(),
        notes=payload("xss-case"),
        is_gang=True,
        organiser=short("xss-case", "@"),
    )
    return case.pk


def _plant_case_import(town: Unit) -> int:
    """The police's 案件 and 涉案人员 CSV files, under hostile names, through the import the
    worker runs, then the registry's refresh that the worker runs after it: persons and
    appearances fill themselves. (CSV, as a formula typed into a workbook reads back empty.)"""
    number = short("xss-import", "GX-")
    # The sender's own word for a role, mapped once (decision 0065): the job page shows it
    # as read through the saved mapping, beside the sender's name.
    sender, word = short("xss-import", "="), short("xss-import", "+")
    save_value_mapping(
        actor=_user("banshi"),
        unit=town,
        kind=CASE_SHEET,
        sender=sender,
        values={"role": {word: PersonRole.GATHERER.value}},
        may_import=can_import,
    )
    job = cases.create_import_job(
        actor=_user("minjing"),
        unit=town,
        sender=sender,
        file=csv_file(
            [
                CASE_HEADER,
                case_row(
                    number=number,
                    cause=short("xss-import", "@"),
                    place=short("xss-import", "+"),
                    summary=payload("xss-import"),
                    outcome=payload("xss-import"),
                ),
            ],
            name=f"{short('xss-import')}案件.csv",
        ),
        persons_file=csv_file(
            [
                PERSON_HEADER,
                person_row(
                    number=number, name=short("xss-import", "-"), address=short("xss-import")
                ),
                person_row(number=number, name=short("xss-import", "@"), role="组织者"),
                person_row(number=number, name="矩阵某", role=word),
            ],
            name=f"{short('xss-import')}人员.csv",
        ),
    )
    finished = cases.run_import_job(job_id=job.pk)
    assert finished.status == ImportStatus.SUCCEEDED, finished.errors
    refresh_pending()
    return Case.objects.filter(number__contains="xss-import").get().pk


def _plant_tip(town: Unit, village: Unit) -> int:
    planted = tips.submit_tip(
        unit=town,
        data=tips.TipInput(
            content=payload("xss-tip"),
            village=village,
            place=short("xss-tip", "@"),
            occurred_when=short("xss-tip"),
            victims=payload("xss-tip"),
            witnesses=payload("xss-tip"),
            persons=[
                tips.PersonInput(
                    name=short("xss-tip", "="),
                    alias=short("xss-tip", "+"),
                    description=payload("xss-tip"),
                )
            ],
        ),
    )
    # A named position (职务) puts a tip with the leaders, out of the office's sight: its own tip.
    tips.submit_tip(
        unit=town,
        data=tips.TipInput(
            content=payload("xss-tip"),
            persons=[tips.PersonInput(name="某干部", position=short("xss-tip", "-"))],
        ),
    )
    spam = tips.submit_tip(unit=town, data=tips.TipInput(content="广告：收购旧渔网，价格从优"))
    tips.mark_spam(actor=_user("banshi"), tip=spam.tip, reason=medium("xss-tip"))
    return planted.tip.pk


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
    talks.review_talks(
        actor=_user("shuji"),
        unit=town,
        covers_until=timezone.localdate(),
        opinion=payload("xss-talk"),
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
    task = meetings.decision_to_task(actor=_user("banshi"), decision=decision, working_days=10)
    meetings.complete_task(actor=_user("cun02"), task=task, result=payload("xss-decision"))


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
        evidence=_polyglot_files("xss-item"),
    )
    rectifications.request_closure(actor=_user("cun02"), item=item, note=payload("xss-item"))
    rectifications.verify_closure(
        actor=_user("banshi"), item=item, accept=False, reason=payload("xss-item")
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
        photos=check_uploads([SimpleUploadedFile(f"{short('xss-publicity')}.gif", GIF_SCRIPT)]),
    )
    voided = publicity.record_activity(
        actor=head,
        town=town,
        data=publicity.ActivityInput(
            occurred_on=timezone.localdate(),
            kind=PublicityKind.objects.order_by("pk").first(),  # type: ignore[arg-type]
            village=village,
            place_type=PlaceType.RURAL,
            place="村委会门口",
            quantity=Decimal(1),
            handler=head,
        ),
    )
    publicity.void_activity(actor=_user("banshi"), activity=voided, reason=medium("xss-publicity"))
    hourly = (
        PublicityKind.objects.filter(active=True)
        .exclude(counted_in_hours=False, hours_label="")
        .order_by("pk")
        .first()
    )
    assert hourly is not None, "the demo has a kind counted in hours"
    publicity.create_schedule(
        actor=_user("banshi"),
        town=town,
        data=publicity.ScheduleInput(
            village=village,
            kind=hourly,
            place_type=PlaceType.RURAL,
            place=short("xss-publicity", "@"),
            description=medium("xss-publicity"),
            hours_per_day=Decimal(8),
            screens=1,
            starts_on=timezone.localdate(),
            ends_on=None,
            handler=_user("banshi"),
        ),
    )


def _plant_village_report() -> None:
    """Last month's report of a village the demo left unreported, so the office's page shows it."""
    head = _user("cun21")
    village = Unit.objects.get(pk=head.role_grants.get().unit_id)
    village_reports.submit_village_report(
        actor=head,
        village=village,
        data=village_reports.ReportInput(
            month=previous_month(timezone.localdate().replace(day=1)),
            kind=ReportKind.LEADS,
            note=payload("xss-village-report"),
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


def _plant_meeting(town: Unit, lead_id: int) -> None:
    """A 研判会 with a material under a hostile title and file name, and its opinion on the lead."""
    office, leader = _user("banshi"), _user("shuji")
    meeting = meetings.record_meeting(
        actor=office,
        unit=town,
        kind=MeetingKind.ANALYSIS,
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
            materials=[
                meetings.MaterialIn(
                    kind=MaterialKind.DOCUMENT,
                    title=short("xss-meeting", "-"),
                    upload=_polyglot_files("xss-meeting")[1],
                )
            ],
        ),
    )
    meetings.record_lead_opinion(
        actor=office,
        meeting=meeting,
        lead=Lead.objects.get(pk=lead_id),
        opinion=payload("xss-meeting"),
    )


def _plant_self_inspection(town: Unit, village: Unit) -> int:
    """自查自纠: the document, a requirement assessed short of 达标, and a problem put on the
    ledger, whose item is then closed and re-opened by the 复查 with a reason."""
    office = _user("banshi")
    inspection = self_inspection.record_self_inspection(
        actor=office,
        unit=town,
        document_title=short("xss-selfcheck", "="),
        document_number=short("xss-selfcheck", "-"),
        document_on=timezone.localdate() - timedelta(days=10),
        inspected_on=timezone.localdate(),
        requirements=[payload("xss-selfcheck")],
    )
    requirement = inspection.requirements.get()
    self_inspection.assess_requirement(
        actor=office,
        requirement=requirement,
        assessment=Assessment.NOT_MET,
        note=payload("xss-selfcheck"),
    )
    problem = self_inspection.record_problem(
        actor=office,
        inspection=inspection,
        data=self_inspection.ProblemInput(
            requirement=requirement,
            description=payload("xss-selfcheck"),
            measures=payload("xss-selfcheck"),
            responsible_leader=_user("shuji"),
            responsible_person=_user("cun02"),
            village=village,
            working_days=10,
        ),
    )
    item = problem.rectification_item
    rectifications.record_progress(
        actor=_user("cun02"),
        item=item,
        occurred_on=timezone.localdate(),
        content="已整改",
        evidence=_polyglot_files("xss-selfcheck"),
    )
    rectifications.request_closure(actor=_user("cun02"), item=item)
    rectifications.verify_closure(actor=office, item=item, accept=True)
    rectifications.recheck(
        actor=office,
        item=item,
        passed=False,
        reason=payload("xss-selfcheck"),
        due_on=timezone.localdate() + timedelta(days=30),
    )
    return inspection.pk


def _plant_round(town: Unit, village: Unit) -> int:
    """档案检查: a round under a hostile title and deployer, and a folder of the checklist."""
    office = _user("banshi")
    inspection_services.save_folder(
        actor=office, folder=None, name=short("xss-round", "="), sort_order=999, is_active=True
    )
    inspection = inspection_services.create_round(
        actor=office,
        unit=town,
        data=inspection_services.RoundInput(
            title=short("xss-round", "="),
            deployed_by=short("xss-round", "@"),
            inspected_on=timezone.localdate(),
            inspectors=[office],
            villages=[village],
        ),
    )
    return inspection.pk


def _plant_finding(town: Unit) -> None:
    """A note (and photos under a hostile name) on the newest round's first village and folder
    still without a finding."""
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
        photos=check_uploads([SimpleUploadedFile(f"{short('xss-finding')}.gif", GIF_SCRIPT)]),
    )


def _plant_kind_and_account(town: Unit) -> None:
    add_dictionary_entry(
        actor=_user("banshi"), kind=DictionaryKind.OFFENCE_TYPE, name=short("xss-kind", "=")
    )
    publicity.save_kind(
        actor=_user("banshi"),
        kind=None,
        data=publicity.KindInput(name=short("xss-kind", "="), unit_label="次"),
    )
    admin = _user("xitong")
    account = create_account(
        actor=admin,
        data=AccountInput(
            username="xssaccount",
            real_name=short("xss-account", "="),
            unit=town,
            position=short("xss-account", "-"),
        ),
    )
    request_password_reset(actor=admin, user=account.user, reason=medium("xss-account"))
    add_override(
        actor=admin,
        day=date(timezone.localdate().year, 12, 31),
        is_working_day=False,
        reason=medium("xss-account"),
    )
    create_api_token(user=_user("banshi"), actor=_user("banshi"), name=short("xss-account", "@"))


def _plant_assigned_list(town: Unit) -> tuple[int, int]:
    """A 交办清单 from a sender under a hostile name, in a hostile file, with a hostile 交办编号
    and content, imported; and the same list staged again, left at its preview."""
    office = _user("banshi")
    today = timezone.localdate()
    buffer = io.StringIO()
    csv.writer(buffer).writerows(
        [
            ["交办编号", "交办日期", "反馈期限", "被反映人", "所属村", "问题内容", "来源"],
            [
                short("xss-list", "="),
                f"{today - timedelta(days=2):%Y-%m-%d}",
                f"{today + timedelta(days=20):%Y-%m-%d}",
                "王某",
                "东岛村",
                payload("xss-list"),
                "市扫黑办交办",
            ],
        ]
    )
    name = short("xss-list", "-") + ".csv"

    def staged() -> Any:
        return assigned_lists.stage_list(
            actor=office,
            unit=town,
            sender=short("xss-list", "+"),
            source=Source.UPPER_ASSIGNED,
            file=ContentFile(buffer.getvalue().encode(), name=name),
            file_name=name,
        )

    first = staged()
    # The sender's word for the source, mapped once and saved for that sender.
    assigned_lists.save_list_mapping(
        actor=office,
        staged=first,
        columns=assigned_lists.plan_import(actor=office, staged=first).reading.checked.columns,
        values={"source": {"市扫黑办交办": Source.UPPER_ASSIGNED}},
    )
    imported = assigned_lists.import_list(actor=office, staged=first)
    # A long list's job carries the upload's hostile name onto its progress page.
    assigned_lists.submit_list_import(actor=office, staged=staged())
    return imported.pk, staged().pk


def _plant_city_assignment(town: Unit) -> int:
    """The 市扫黑办 assigns to the town under a hostile number, summary, subject and instruction;
    the town feeds back; the city returns it with a hostile reason."""
    assignment = city.assign_to_towns(
        actor=_user("shiban"),
        city=Unit.objects.get(kind=UnitKind.CITY_OFFICE),
        data=city.AssignmentInput(
            towns=[town],
            deadline=timezone.localdate() + timedelta(days=15),
            instruction=payload("xss-city"),
            summary=payload("xss-city"),
            source=Source.UPPER_ASSIGNED,
            subject_name=short("xss-city", "="),
            number=short("xss-city", "+"),
        ),
    )
    row = assignment.towns.get()
    conclude_and_feed_back(row.lead, content=payload("xss-city"))
    city.return_feedback(actor=_user("shiban"), row=row, reason=payload("xss-city"))
    return assignment.pk


def _plant_organisation(town: Unit) -> None:
    """A village under a hostile name, a member's title in the 领导小组, and the briefing's
    masthead: the names every list and header shows."""
    admin = _user("xitong")
    create_unit(
        actor=admin,
        data=UnitInput(name=short("xss-unit", "="), kind=UnitKind.VILLAGE, parent=town),
    )
    add_group_member(
        actor=_user("banshi"),
        group=LeadingGroup.objects.get(unit=town),
        user=_user("minjing"),
        group_role=GroupRole.MEMBER,
        title=short("xss-unit", "-"),
    )
    briefings.update_briefing_settings(
        actor=_user("banshi"),
        unit=town,
        data=briefings.BriefingSettingsInput(
            issuing_unit=short("xss-briefing", "="),
            report_to=short("xss-briefing", "+"),
            copy_to=short("xss-briefing", "-"),
            distribute_to=short("xss-briefing", "@"),
            copies=12,
        ),
    )


def _plant_reward(lead_id: int) -> None:
    """举报奖励 on the planted lead: proposed, returned, proposed again, approved and paid."""
    custodian, deputy = _user("baoguan"), _user("fushuji")
    lead = Lead.objects.get(pk=lead_id)
    reward = custody.propose_reward(
        actor=custodian,
        lead=lead,
        is_eligible=True,
        reason=payload("xss-lead"),
        amount=Decimal(500),
    )
    custody.decide_reward(actor=deputy, reward=reward, approve=False, note=payload("xss-lead"))
    reward = custody.propose_reward(
        actor=custodian,
        lead=lead,
        is_eligible=True,
        reason=payload("xss-lead"),
        amount=Decimal(500),
    )
    reward = custody.decide_reward(
        actor=deputy, reward=reward, approve=True, note=payload("xss-lead")
    )
    custody.record_reward_payment(
        actor=custodian,
        reward=reward,
        paid_on=timezone.localdate(),
        method=PaymentMethod.BANK_TRANSFER,
        reference=short("xss-lead", "="),
    )


def _plant_analysis(town: Unit) -> None:
    """The registry's corrections (merge, split, an excluded mobile) with hostile reasons, the
    common names setting, a 研判会's decision on a prompt, and a 联审 candidate list."""
    office = _user("banshi")
    imported = list(Person.objects.filter(name__contains="xss-import").order_by("pk"))
    assert len(imported) >= 2, "the imported persons reached the registry"
    merged = analysis.merge_persons(
        actor=office, person=imported[0], other=imported[1], reason=medium("xss-import")
    )
    appearance = Appearance.objects.filter(person_key=merged.person_key).order_by("pk").first()
    assert appearance is not None
    analysis.split_appearance(actor=office, appearance=appearance, reason=medium("xss-import"))
    analysis.exclude_mobile(actor=office, reason=medium("xss-import"), mobile="13912345678")
    # The thresholds are one set for every town: only an office over both demo towns changes
    # them, and the demo has none, so one is made here (the setting itself goes through the
    # service, as the settings page sends it).
    city = Unit.objects.get(kind=UnitKind.CITY_OFFICE)
    clerk = User.objects.create(username="xsscity", real_name="市扫黑办工作人员", unit=city)
    RoleGrant.objects.create(user=clerk, role=Role.OFFICE_STAFF, unit=city)
    suggestion = SamePersonSuggestion.objects.filter(status=SuggestionStatus.OPEN).first()
    assert suggestion is not None, "the demo history holds a 疑似同一人 suggestion"
    analysis.reject_same_person(actor=clerk, suggestion=suggestion, reason=medium("xss-import"))
    current = current_settings()
    analysis.update_settings(
        actor=clerk,
        data=analysis.SettingsInput(
            **{name: getattr(current, name) for name in analysis.SETTING_BOUNDS},
            common_names=f"王伟\n{short('xss-import')}",
        ),
    )
    _plant_prompt_decision()
    vetting_file = io.BytesIO()
    workbook = Workbook()
    workbook.active.append(["村", "姓名", "身份证号", "拟任职务"])
    workbook.active.append(["东岛村", short("xss-import", "-"), VALID_ID, short("xss-import", "@")])
    workbook.save(vetting_file)
    vetting_file.seek(0)
    vetting_file.name = f"{short('xss-import')}.xlsx"
    analysis.run_vetting(actor=office, unit=town, file=vetting_file)


def _plant_prompt_decision() -> None:
    """虚构镇's planted group is prompted; its 研判会 dismisses the prompt with a hostile note."""
    fictional = Unit.objects.get(name="虚构镇")
    prompt = Prompt.objects.filter(unit=fictional, status=PromptStatus.OPEN, is_current=True)[0]
    office, leader = _user("banshi2"), _user("shuji2")
    meeting = meetings.record_meeting(
        actor=office,
        unit=fictional,
        kind=MeetingKind.ANALYSIS,
        record=meetings.MeetingRecord(
            title="研判会",
            held_on=timezone.localdate(),
            place="镇会议室",
            chair=leader,
            recorder=office,
            attendees=[leader, office],
            topics="研判提示",
        ),
    )
    analysis.dismiss_prompt(
        actor=leader,
        prompt=prompt,
        meeting=meeting,
        reason=payload("xss-import"),
        failed_element=FailedElement.ORGANISER,
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
    import_case_id = _plant_case_import(town)
    planted_tip_id = _plant_tip(town, village)
    _plant_talk(town)
    _plant_decision(town)
    _plant_item(town, village)
    _plant_publicity(town, village)
    _plant_village_report()
    draft_id = _plant_briefing(town)
    _plant_notice()
    _plant_meeting(town, lead_id)
    self_inspection_id = _plant_self_inspection(town, village)
    round_id = _plant_round(town, village)
    list_id, staged_list_id = _plant_assigned_list(town)
    assignment_id = _plant_city_assignment(town)
    _plant_finding(town)
    _plant_kind_and_account(town)
    _plant_organisation(town)
    _plant_reward(lead_id)
    _plant_analysis(town)
    tip_id = _plant_message()
    return Planted(
        lead_id=lead_id,
        feedback_id=feedback_id,
        draft_id=draft_id,
        case_id=case_id,
        import_case_id=import_case_id,
        tip_id=tip_id,
        planted_tip_id=planted_tip_id,
        self_inspection_id=self_inspection_id,
        round_id=round_id,
        list_id=list_id,
        staged_list_id=staged_list_id,
        assignment_id=assignment_id,
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
        for typed in (payload(tag), medium(tag), short(tag)):
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
        f"/cases/{planted.import_case_id}/",
        f"/meetings/self-inspections/{planted.self_inspection_id}/",
        f"/inspections/{planted.round_id}/",
        f"/assigned-lists/{planted.list_id}/",
        f"/assigned-lists/{planted.list_id}/feedback.xlsx",
        f"/assigned-lists/import/{planted.staged_list_id}/",
        f"/city/{planted.assignment_id}/",
        "/city/export.xlsx",
        f"/tips/{planted.tip_id}/",
        f"/tips/{planted.planted_tip_id}/",
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


@pytest.mark.django_db
def test_planted_text_stays_text_on_pages_of_roles_the_walk_leaves_out(
    planted_payloads: Planted, client_as: Callable[[str], Client]
) -> None:
    """Text planted where only the 安全管理员, the 系统管理员, the custodian or 虚构镇's leader
    reads it: each such page shows the payload, and shows it as text."""
    prompt = Prompt.objects.get(status=PromptStatus.DISMISSED, decision_note__contains="xss-import")
    december = f"{timezone.localdate().year}-12"
    pages = {
        "anquan": [("/accounts/security/password-resets/", "xss-account")],
        "xitong": [(f"/workdays/?month={december}", "xss-account")],
        "banshi": [("/api-tokens/", "xss-account")],
        "baoguan": [
            ("/vault/rewards/", "xss-lead"),
            (f"/vault/leads/{planted_payloads.lead_id}/", "xss-lead"),
        ],
        "shuji2": [(f"/analysis/prompts/{prompt.pk}/", "xss-import")],
    }
    for username, wanted in pages.items():
        client = client_as(username)
        for path, tag in wanted:
            response = client.get(path)
            assert response.status_code == 200, f"{username} {path}"
            text = response.content.decode()
            assert tag in text, f"{username} {path}: the planted text is not shown"
            assert _html_faults(path, text) == []


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


# Text columns the corpus does not plant, and why. Nobody types free text into them: the system
# writes them, or they are refused on the way in unless they fit a strict format (the refusals
# are proven by `test_strict_format_columns_refuse_a_payload` below).
DIGEST = "a hash, digest, token prefix or key the system computes"
SEALED = (
    "a sealed ID number or phone, its blind index or its mask: computed by the system from a "
    "value checked as an 18-digit ID number, an 11-digit mobile or a fixed line with its area code"
)
SEALED_ROWS = (
    "an import's refused rows, sealed by the system; they come back only as the cells of the "
    "refused-rows workbook, which the walk checks as every workbook"
)
SYSTEM = (
    "written by the system, never typed: a status code, link, topic, message, worker id, the "
    "content type read from the file's bytes, or a name the system chose"
)
NUMBER = "a number the system generates (town code, year, sequence)"
AUDIT = "the audit chain and failure tally: written by the system at each event"
COPIED = (
    "the registry's derived key, or its copy of planted columns (case persons' and subjects' "
    "names, case numbers, the case's coded 性质/手段/起因) composed by the system"
)
SETUP = "written by the installation's setup (loader, bootstrap); no page, import or API edits it"
UNUSED = "Django's own user column; no page, import or API writes it (the project uses real_name)"
REFUSED = "refused on the way in unless it fits a strict format (see the refusal test below)"
TEN_CHARACTERS = (
    "at most 10 characters (the service refuses more): too short for markup that runs; "
    "a payload is refused (see the refusal test below)"
)
NOT_PLANTED: dict[str, str] = {
    "health.WorkerHeartbeat.worker_id": SYSTEM,
    **{
        f"audit.{name}": AUDIT
        for name in (
            "AuditEvent.actor_username",
            "AuditEvent.actor_display",
            "AuditEvent.action",
            "AuditEvent.target_type",
            "AuditEvent.target_id",
            "AuditEvent.previous_hash",
            "AuditEvent.chain_hash",
            "FailureTally.action",
            "FailureTally.address_key",
        )
    },
    "organisations.Unit.path": SYSTEM,
    "organisations.Unit.code": REFUSED,
    "organisations.LeadingGroup.name": SETUP,
    "organisations.LeadingGroup.office_name": SETUP,
    "organisations.User.password": DIGEST,
    "organisations.User.username": REFUSED,
    "organisations.User.first_name": UNUSED,
    "organisations.User.last_name": UNUSED,
    "organisations.User.email": UNUSED,
    "organisations.User.phone": REFUSED,
    "accounts.UserSession.session_key": DIGEST,
    "notifications.Notification.url": SYSTEM,
    "notifications.Delivery.last_error": SYSTEM,
    "sheets.SenderMapping.kind": SYSTEM,
    "sheets.StagedSheet.kind": SYSTEM,
    "sheets.StagedSheet.sha256": DIGEST,
    "assigned_lists.AssignedList.sha256": DIGEST,
    "cases.ImportJob.rejected_rows_key": SEALED_ROWS,
    "cases.ImportJob.rejected_rows_sealed": SEALED_ROWS,
    "cases.CasePerson.phone2_key": SEALED,
    "cases.CasePerson.phone2_sealed": SEALED,
    "cases.CasePerson.phone2_index": SEALED,
    "cases.CasePerson.phone2_suffix_index": SEALED,
    "cases.CasePerson.phone2_masked": SEALED,
    "notifications.Notification.topic": SYSTEM,
    "vault.ReporterIdentity.reference": DIGEST,
    "vault.ReporterIdentity.key_id": DIGEST,
    "vault.ReporterIdentity.sealed_identity": SEALED,
    "leads.Lead.number": NUMBER,
    "leads.Lead.reporter_reference": DIGEST,
    "leads.SubjectPlate.number": REFUSED,
    "leads.LeadEvent.from_status": SYSTEM,
    "leads.LeadEvent.to_status": SYSTEM,
    "cases.ImportJob.message": SYSTEM,
    "cases.ImportJob.worker_id": SYSTEM,
    "assigned_lists.ListImportJob.message": SYSTEM,
    "assigned_lists.ListImportJob.worker_id": SYSTEM,
    "cases.CasePersonPlate.number": REFUSED,
    "tips.Tip.receipt_digest": DIGEST,
    "tips.Tip.reporter_reference": DIGEST,
    "rectifications.RectificationItem.source_url": SYSTEM,
    "publicity.PublicityKind.code": SYSTEM,
    "publicity.PublicityKind.unit_label": TEN_CHARACTERS,
    "publicity.PublicityKind.hours_label": TEN_CHARACTERS,
    "publicity.PublicityKind.reach_label": TEN_CHARACTERS,
    "analysis.Appearance.nature": COPIED,
    "analysis.Appearance.means": COPIED,
    "analysis.Appearance.motive": COPIED,
    "analysis.Appearance.identity_key": COPIED,
    "analysis.Appearance.person_key": COPIED,
    "analysis.Person.person_key": COPIED,
    "analysis.PersonIdentifier.value": SEALED,
    "analysis.PersonIdentifier.masked": SEALED,
    "analysis.SharedIdentifier.value": SEALED,
    "analysis.SharedIdentifier.masked": SEALED,
    "analysis.IdentifierExclusion.value": REFUSED,
    "analysis.IdentifierExclusion.masked": SEALED,
    "analysis.MergeRule.first_key": COPIED,
    "analysis.MergeRule.second_key": COPIED,
    "analysis.SamePersonSuggestion.first_key": COPIED,
    "analysis.SamePersonSuggestion.second_key": COPIED,
    "analysis.SamePersonSuggestion.name": COPIED,
    "analysis.Prompt.explanation": COPIED,
    "analysis.Prompt.reopened_reason": SYSTEM,
    "analysis.PromptMember.person_key": COPIED,
    "analysis.PromptIncident.number": COPIED,
    # The candidate list has no address column: the field comes with the shared sealed identity.
    "analysis.VettingCandidate.address": UNUSED.replace("Django's own user", "A sealed identity's"),
    "api.ApiToken.prefix": DIGEST,
    "api.ApiToken.digest": DIGEST,
    "backups.BackupRun.file_name": SYSTEM,
    "backups.BackupRun.error": SYSTEM,
    **{
        f"{label}.{name}": SEALED
        for label in (
            "leads.Subject",
            "cases.CasePerson",
            "analysis.VettingCandidate",
        )
        for name in (
            "id_number_key",
            "id_number_sealed",
            "id_number_index",
            "id_number_suffix_index",
            "id_number_masked",
            "phone_key",
            "phone_sealed",
            "phone_index",
            "phone_suffix_index",
            "phone_masked",
        )
    },
    "analysis.Appearance.id_number_index": SEALED,
    "analysis.Appearance.id_number_masked": SEALED,
    "analysis.Appearance.phone_index": SEALED,
    "analysis.Appearance.phone_masked": SEALED,
    **{
        f"{label}.{name}": SYSTEM if name == "content_type" else DIGEST
        for label in (
            "leads.Attachment",
            "tips.TipAttachment",
            "rectifications.Evidence",
            "inspections.FindingPhoto",
            "meetings.MeetingMaterial",
            "publicity.PublicityPhoto",
        )
        for name in ("content_type", "sha256")
    },
    "cases.ImportJob.file_sha256": DIGEST,
    "cases.ImportJob.persons_file_sha256": DIGEST,
    "analysis.VettingRun.file_sha256": DIGEST,
}


def _text_columns() -> Iterator[tuple[type[models.Model], str]]:
    for model in apps.get_models():
        if not model.__module__.startswith("saohei."):
            continue
        for column in model._meta.concrete_fields:
            if isinstance(column, models.CharField | models.TextField) and not column.choices:
                yield model, column.name


@pytest.mark.django_db
def test_every_free_text_column_carries_a_payload(planted_payloads: Planted) -> None:
    """A column somebody types into holds a planted payload after the corpus is planted, so the
    walk above has it to find; a new text column fails here until it is planted or explained."""
    unplanted = [
        f"{model._meta.label}.{name}"
        for model, name in _text_columns()
        if f"{model._meta.label}.{name}" not in NOT_PLANTED
        and not model._default_manager.filter(**{f"{name}__contains": "onerror"}).exists()
    ]
    assert not unplanted, "\n".join(unplanted)


def test_not_planted_names_only_columns_that_exist() -> None:
    """An exemption outlives its column only by mistake."""
    columns = {f"{model._meta.label}.{name}" for model, name in _text_columns()}
    assert set(NOT_PLANTED) - columns == set()


@pytest.mark.django_db
def test_strict_format_columns_refuse_a_payload(planted_payloads: Planted) -> None:
    """The columns exempted as REFUSED or TEN_CHARACTERS: a payload typed into them is refused
    before anything is stored, by the check on their only way in."""
    hostile = short("xss-refused")
    with pytest.raises(ServiceError):
        clean_plates([hostile])  # subjects' plates (leads) and case persons' plates (import)
    with pytest.raises(ServiceError):
        analysis.exclude_mobile(actor=_user("banshi"), reason="误报", mobile=hostile)
    for kind_input in (
        publicity.KindInput(name="测试形式", unit_label=hostile),
        publicity.KindInput(name="测试形式", unit_label="次", hours_label=hostile),
        publicity.KindInput(name="测试形式", unit_label="次", reach_label=hostile),
    ):
        with pytest.raises(ServiceError):
            publicity.save_kind(actor=_user("banshi"), kind=None, data=kind_input)
    town = Unit.objects.get(name="港西镇")
    units = Unit.objects.filter(pk=town.pk)
    account = AccountCreateForm(
        data={"username": hostile, "real_name": "张三", "phone": hostile, "unit": town.pk},
        units=units,
    )
    assert not account.is_valid()
    assert {"username", "phone"} <= set(account.errors)
    unit = UnitCreateForm(
        data={"name": "新村", "kind": UnitKind.VILLAGE, "parent": town.pk, "code": hostile},
        parents=units,
    )
    assert not unit.is_valid()
    assert "code" in unit.errors
