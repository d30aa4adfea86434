"""Generated: every page (URL pattern) and API read operation × every demo role, a village head
of another village, the office and leader of another town and an anonymous visitor, on real
ids of both towns: 200 exactly where the access table allows (saohei/common/access_matrix.py),
403/404 (the login page; the API's 401) everywhere else, and no record of another town or
village shows in any page, list or export that the account may open, and no list, count or
statistic moves when another town gains records (decision 0054).

The patterns come from the resolver and the operations from the OpenAPI schema, so a new page
is in the matrix without touching this file, and one the table does not name fails the test.
The table is the specification, written apart from the access helpers: this file checks the
code against it, never the code against itself.

Both demo towns with their history and the planted records are built once per worker (a
shared layer, saohei/testing/town.py); one test per account; each request rolled back.
"""

import atexit
import difflib
import inspect
import io
import itertools
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.test.utils import override_settings
from django.urls import get_resolver, reverse
from django.utils import timezone
from django.utils.http import urlencode
from PIL import Image

from saohei.accountability.models import Talk
from saohei.analysis import services as analysis_services
from saohei.analysis.changes import refresh_pending
from saohei.analysis.generator import reserved_identity
from saohei.analysis.models import Person, VettingRun
from saohei.analysis.tests.prompt_helpers import prompt_on_first_case
from saohei.analysis.tests.registry_helpers import plant_corrections
from saohei.api.api import api
from saohei.api.services import create_api_token
from saohei.assigned_lists import services as assigned_list_services
from saohei.assigned_lists.models import AssignedList, ListImportJob
from saohei.briefings import services as briefing_services
from saohei.briefings.figures import FIGURES
from saohei.cases.access import can_import as can_import_cases
from saohei.cases.kinds import CASE_SHEET
from saohei.cases.models import REJECTED_ROWS_DATA, Case, ImportJob, ImportStatus
from saohei.city_assignments import services as city_services
from saohei.common.access_matrix import (
    API_CREATED_IN,
    API_READS,
    API_WRITES,
    NOT_WALKED,
    OBJECTS,
    PAGES,
    QUERY_OBJECTS,
    Audience,
    Grant,
    Record,
    Roles,
    may_read,
)
from saohei.common.crypto import encrypt_text
from saohei.common.roles import Role
from saohei.common.uploads import CheckedUpload, check_uploads
from saohei.conftest import sign_in
from saohei.custody.models import RewardCase
from saohei.demo.example_town import candidate_csv
from saohei.demo.loader import load_demo_town
from saohei.demo.tests.test_write_refusal_matrix import ACCOUNTS as TOWN_ACCOUNTS
from saohei.demo.tests.test_write_refusal_matrix import (
    SELF_SERVICE,
    _example,
    _page_patterns,
    _row_counts,
    as_form,
    request_body_schema,
)
from saohei.health.jobs import JobStatus
from saohei.inspections import services as inspections_services
from saohei.inspections.models import Finding
from saohei.leads import services as lead_services
from saohei.leads.models import (
    Channel,
    DictionaryEntry,
    DictionaryKind,
    Feedback,
    Lead,
    Source,
    Status,
)
from saohei.meetings import services as meetings_services
from saohei.meetings.models import (
    MaterialKind,
    Meeting,
    MeetingDecision,
    MeetingKind,
    SelfInspection,
    Task,
)
from saohei.organisations.models import GroupMembership, RoleGrant, Unit, UnitKind, User
from saohei.publicity import services as publicity_services
from saohei.publicity.models import PlaceType, PublicityActivity, PublicityKind, PublicitySchedule
from saohei.rectifications import services as rectification_services
from saohei.rectifications.models import Evidence, RectificationItem, SourceKind
from saohei.sheets import services as sheet_services
from saohei.sheets.models import StagedSheet
from saohei.testing.town import SharedTown, shared_layer
from saohei.tips import services as tips_services
from saohei.workdays.models import CalendarOverride

pytestmark = pytest.mark.django_db

OTHER_TOWN = "虚构镇"
# The town's accounts, and the leader, office and a village head of the other town; "" is an
# anonymous visitor.
ACCOUNTS = (*TOWN_ACCOUNTS, "shuji2", "banshi2", "cun2", "")
# Planted in records' text: shown to exactly the accounts the table lets reach the record.
OWN_VILLAGE_MARK = "矩阵标记港西村线索"
OTHER_TOWN_MARKS = {
    "lead_id": "矩阵标记虚构镇线索",
    "case_id": "矩阵标记虚构镇案件",
    "item_id": "矩阵标记虚构镇整改",
    "activity_id": "矩阵标记虚构镇宣传",
}
# Values of the path parameters that name no object: a figure of each part of the briefing.
VALUES = {
    "file_format": ["docx"],
    "key": sorted({key.split(".")[0]: key for key in sorted(FIGURES)}.values()),
}
REFUSED = {403, 404}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# The planted files, apart from the real uploads directory; one directory per worker.
MEDIA_ROOT = Path(tempfile.gettempdir()) / f"saohei-read-matrix-{os.getpid()}"
atexit.register(shutil.rmtree, MEDIA_ROOT, ignore_errors=True)


@dataclass(frozen=True)
class Target:
    """One object of a path parameter: its id and what the table needs to know of it."""

    id: int
    record: Record
    # Other objects of the same path this one belongs to (an evidence's item).
    owners: dict[str, "Target"] = field(default_factory=dict)


@dataclass(frozen=True)
class Objects:
    own: dict[str, Target]  # in the town, in 港西村 (cun01's) where the kind has villages
    other: dict[str, Target]  # in the other town: the ids a guesser would try
    marks: list[tuple[str, str, Record]]  # text, object kind, the record it is planted in
    # Query strings that ask a list for 港西村's records, and for the other town's.
    filters: list[dict[str, int]]
    # Parameters two contexts name alike, by (parameter, the owner in the same path): a tip's
    # attachment_id (own["attachment_id"] is a lead's), an activity's photo_id (a finding's).
    namesakes: dict[tuple[str, str], Target]
    # Where an API create is made (API_CREATED_IN): the town, and 港西村 (cun01's).
    created_in: dict[str, Target]
    # Ids of the town for API request bodies, by field name: valid for its own office.
    body_ids: dict[str, int]


def rejected_rows_for_matrix() -> dict[str, str]:
    rows = [
        {
            "name": "案件",
            "header": ["案件编号", "案由"],
            "rows": [["GX-1", "", "案由：案由不能为空"]],
        }
    ]
    key_id, sealed = encrypt_text(json.dumps(rows), associated_data=REJECTED_ROWS_DATA)
    return {"rejected_rows_key": key_id, "rejected_rows_sealed": sealed}


def _upload(name: str, content: bytes) -> CheckedUpload:
    return check_uploads([SimpleUploadedFile(name, content)])[0]


def _photo() -> CheckedUpload:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return _upload("现场.png", buffer.getvalue())


def _register_lead(town: Unit, village: Unit, office: User, summary: str) -> Lead:
    return lead_services.register_lead(
        actor=office,
        unit=town,
        data=lead_services.LeadInput(
            # Not "today at 9": before 09:00 Beijing time that is in the future, and refused.
            received_at=timezone.now() - timedelta(minutes=5),
            channel=Channel.IN_PERSON,
            source=Source.SELF_FOUND,
            summary=summary,
            village=village,
            attachments=[_upload("材料.pdf", PDF)],
            subjects=[lead_services.SubjectInput(name="矩阵被反映人", village=village)],
        ),
    )


def _staged_list(town: Unit, office: User, reference: str) -> StagedSheet:
    """A 交办清单 uploaded by the town's clerk and waiting on its preview page."""
    day = f"{timezone.localdate() - timedelta(days=1):%Y-%m-%d}"
    listed = io.BytesIO(
        f"交办编号,交办日期,问题内容\r\n{reference},{day},矩阵交办线索\r\n".encode()
    )
    return assigned_list_services.stage_list(
        actor=office,
        unit=town,
        sender="矩阵交办单位",
        source=Source.UPPER_ASSIGNED,
        file=listed,
        file_name="交办清单.csv",
    )


def _case_mapping(town: Unit, office: User) -> int:
    """A station's saved words for the town's case import (来文表格对照)."""
    return sheet_services.save_value_mapping(
        actor=office,
        unit=town,
        kind=CASE_SHEET,
        sender="矩阵派出所",
        values={"role": {"主犯": "organiser"}},
        may_import=can_import_cases,
    ).pk


def _assigned_list(town: Unit, office: User, reference: str) -> AssignedList:
    """A 交办清单 imported by the town's clerk."""
    staged = _staged_list(town, office, reference)
    return assigned_list_services.import_list(actor=office, staged=staged)


def _staged_of(assigned: AssignedList) -> int:
    """Another upload of the list, not imported: an imported one's page leads to the list."""
    return _staged_list(assigned.unit, assigned.imported_by, "JZ-S").pk


def _calendar_override() -> CalendarOverride:
    """A day set by hand: the calendar's own, no town's."""
    return CalendarOverride.objects.create(
        day=date(2026, 10, 10),
        is_working_day=True,
        reason="矩阵测试",
        created_by=User.objects.get(username="banshi"),
    )


def _list_job(town: Unit, office: User) -> ListImportJob:
    """A long list's import job, failed: its progress page with the retry."""
    staged = _staged_list(town, office, "JZ-J")
    return ListImportJob.objects.create(
        unit=town,
        staged=staged,
        created_by=office,
        file_name=staged.file_name,
        status=JobStatus.FAILED,
        message="矩阵测试",
    )


def _vetting_run(town: Unit, office: User, rows: bytes) -> VettingRun:
    listed = io.BytesIO(rows)
    listed.name = "候选人名单.csv"
    return analysis_services.run_vetting(actor=office, unit=town, file=listed)


def _candidates(village: Unit) -> bytes:
    """One candidate with a clean record, for the town's own 联审."""
    person = reserved_identity(7, seed=2026, village=village.name, name="郑矩阵", male=True)
    return f"村,姓名,身份证号,拟任职务\r\n{village.name},{person.name},{person.id_number},村委会委员\r\n".encode(
        "gbk"
    )


def _build_objects() -> Objects:
    town = Unit.objects.get(name="港西镇")
    other_town = Unit.objects.get(name=OTHER_TOWN)
    village = Unit.objects.get(name="港西村")
    other_village = Unit.objects.filter(parent=other_town, kind=UnitKind.VILLAGE).first()
    assert other_village is not None
    people = {user.username: user for user in User.objects.all()}
    banshi, banshi2 = people["banshi"], people["banshi2"]
    town_path, other_path = town.path, other_town.path
    yesterday = timezone.localdate() - timedelta(days=1)

    # A lead handed to 港西村 (cun01's), with an attachment: the office and leaders, and cun01,
    # reach it.
    lead = _register_lead(town, village, banshi, f"{OWN_VILLAGE_MARK}：村内有人强揽工程")
    lead = lead_services.assign_lead(
        actor=banshi, lead=lead, handling_unit=village, handler=people["cun01"]
    )
    # A 批示 on it, for the answer's operation (issue 15).
    instruction = lead_services.give_instruction(
        actor=people["shuji"], lead=lead, content="矩阵测试批示"
    )
    other_lead = _register_lead(
        other_town, other_village, banshi2, f"{OTHER_TOWN_MARKS['lead_id']}：有人强揽工程"
    )
    tip = tips_services.submit_tip(
        unit=town,
        data=tips_services.TipInput(
            content="港西村有人强揽村内工程，威胁其他承包人退出，已经持续了好几个月",
            village=village,
            attachments=[_upload("照片.pdf", PDF)],
        ),
    ).tip

    case = Case.objects.filter(unit=town).order_by("id").first()
    other_case = Case.objects.filter(unit=other_town).order_by("id").first()
    assert case and other_case
    Case.objects.filter(pk=other_case.pk).update(summary=OTHER_TOWN_MARKS["case_id"])

    item = RectificationItem.objects.filter(village=village).order_by("id").first()
    assert item is not None
    other_item = rectification_services.open_item(
        actor=banshi2,
        unit=other_town,
        source=rectification_services.ItemSource(kind=SourceKind.SELF_INSPECTION),
        data=rectification_services.ItemInput(
            description=OTHER_TOWN_MARKS["item_id"],
            measures="矩阵测试",
            responsible_leader=people["shuji2"],
            responsible_unit=other_town,
            responsible_person=banshi2,
            village=other_village,
            working_days=10,
        ),
    )

    def activity_in(town: Unit, village: Unit, office: User, notes: str) -> PublicityActivity:
        return publicity_services.record_activity(
            actor=office,
            town=town,
            data=publicity_services.ActivityInput(
                occurred_on=yesterday,
                kind=PublicityKind.objects.order_by("id")[0],
                village=village,
                place_type=PlaceType.values[0],
                place="村委会",
                quantity=Decimal("1"),
                handler=office,
                notes=notes,
            ),
            photos=[_photo()],
        )

    activity = activity_in(town, village, banshi, "矩阵测试")
    other_activity = activity_in(
        other_town, other_village, banshi2, OTHER_TOWN_MARKS["activity_id"]
    )

    # A joint meeting (联席会议) with a material: police officers attend only these.
    meeting = meetings_services.record_meeting(
        actor=banshi,
        unit=town,
        kind=MeetingKind.JOINT,
        record=meetings_services.MeetingRecord(
            title="矩阵联席会议",
            held_on=yesterday,
            place="镇政府",
            chair=people["shuji"],
            recorder=banshi,
            attendees=[people["shuji"], banshi, people["suozhang"], people["cun01"]],
            topics="矩阵测试",
            materials=[
                meetings_services.MaterialIn(
                    kind=MaterialKind.DOCUMENT, title="学习材料", upload=_upload("材料.pdf", PDF)
                )
            ],
        ),
    )
    material = meeting.materials.get()
    finding = Finding.objects.order_by("id").first()
    assert finding is not None
    inspections_services.edit_finding(
        actor=banshi, finding=finding, result=finding.result, note=finding.note, photos=[_photo()]
    )
    run = _vetting_run(town, banshi, _candidates(village))
    other_run = _vetting_run(other_town, banshi2, candidate_csv())

    talk = Talk.objects.filter(interviewees__username="cun01").order_by("id").first()
    decision = MeetingDecision.objects.order_by("id").first()
    task = Task.objects.filter(assignee__username="cun01").order_by("id").first()
    inspection = SelfInspection.objects.filter(unit=town).order_by("id").first()
    feedback = Feedback.objects.order_by("id").first()
    evidence = Evidence.objects.order_by("id").first()
    closed = Lead.objects.filter(unit=town, status=Status.ARCHIVED).order_by("id").first()
    assert talk and decision and task and inspection and feedback and evidence and closed
    draft = briefing_services.create_draft(actor=banshi, unit=town, date_from=None, date_to=None)
    reward = RewardCase.objects.create(
        lead=closed,
        is_eligible=True,
        eligibility_reason="矩阵测试",
        amount=Decimal("500"),
        proposed_by=banshi,
        proposed_at=timezone.now(),
    )
    job = ImportJob.objects.create(
        unit=town,
        created_by=banshi,
        status=ImportStatus.FAILED,
        file="cases/imports/matrix.csv",
        file_name="案件.csv",
        file_sha256="0" * 64,
        # A refused row to give back, so its download (cases:import_rejected) has a file.
        **rejected_rows_for_matrix(),
    )
    assigned_list = _assigned_list(town, banshi, "JZ-1")
    other_assigned_list = _assigned_list(other_town, banshi2, "JZ-2")
    prompt = prompt_on_first_case()
    other_prompt = prompt_on_first_case(OTHER_TOWN)
    refresh_pending()
    person = Person.objects.filter(unit=town).order_by("id").first()
    other_person = Person.objects.filter(unit=other_town).order_by("id").first()
    assert person and other_person

    # The city office's assignment to both towns (decision 0062): its supervisors reach it.
    city = Unit.objects.get(kind=UnitKind.CITY_OFFICE)
    assignment = city_services.assign_to_towns(
        actor=people["shiban"],
        city=city,
        data=city_services.AssignmentInput(
            towns=[town, other_town],
            deadline=timezone.localdate() + timedelta(days=10),
            instruction="矩阵测试交办意见",
            summary="矩阵测试市级交办",
            source=Source.UPPER_ASSIGNED,
        ),
    )

    def ids(*rows: User | Unit | None) -> frozenset[int]:
        return frozenset(row.pk for row in rows if row is not None)

    def item_target(item: RectificationItem) -> Target:
        return Target(
            item.pk,
            Record(
                town_path,
                villages=ids(item.village),
                taking_part=ids(item.responsible_person),
            ),
        )

    def meeting_target(meeting: Meeting) -> Target:
        attendees = ids(*meeting.attendees.all())
        if meeting.kind != MeetingKind.JOINT:
            # A police officer reaches a meeting by attending a joint one only.
            attendees -= ids(*User.objects.filter(role_grants__role=Role.POLICE_OFFICER))
        return Target(meeting.pk, Record(town_path, taking_part=attendees))

    def part(part_id: int, **owners: Target) -> Target:
        (owner,) = owners.values()
        return Target(part_id, owner.record, owners)

    in_town = Record(town_path)
    in_other_town = Record(other_path)
    other_village_record = Record(other_path, villages=ids(other_village))
    round_target = Target(
        finding.round_id,
        Record(town_path, villages=frozenset(finding.round.villages.values_list("pk", flat=True))),
    )
    # A finding, and its photo, reach no further than the finding's village.
    finding_round = Target(finding.round_id, Record(town_path, villages=ids(finding.village)))
    lead_target = Target(lead.pk, Record(town_path, handled_by=ids(village), created_by=banshi.pk))
    feedback_lead = feedback.lead
    own = {
        "lead_id": lead_target,
        "attachment_id": part(lead.attachments.get().pk, lead_id=lead_target),
        "subject_id": part(lead.subjects.get().pk, lead_id=lead_target),
        "instruction_id": part(instruction.pk, lead_id=lead_target),
        "feedback_id": part(
            feedback.pk,
            lead_id=Target(
                feedback_lead.pk,
                Record(
                    town_path,
                    handled_by=ids(feedback_lead.handling_unit, feedback_lead.police_unit),
                    created_by=feedback_lead.created_by_id,
                ),
            ),
        ),
        "case_id": Target(case.pk, in_town),
        "job_id": Target(job.pk, in_town),
        "list_id": Target(assigned_list.pk, in_town),
        "staged_id": Target(_staged_of(assigned_list), in_town),
        "list_job_id": Target(_list_job(town, banshi).pk, in_town),
        "tip_id": Target(tip.pk, in_town),
        "item_id": item_target(item),
        "evidence_id": part(evidence.pk, item_id=item_target(evidence.item)),
        "talk_id": Target(
            talk.pk,
            Record(
                town_path,
                taking_part=ids(*talk.interviewees.all(), talk.interviewer, talk.recorder),
            ),
        ),
        "round_id": round_target,
        "village_id": Target(finding.village_id, Record(town_path, villages=ids(finding.village))),
        "finding_id": part(finding.pk, round_id=finding_round),
        "meeting_id": meeting_target(meeting),
        "material_id": part(material.pk, meeting_id=meeting_target(meeting)),
        "decision_id": part(decision.pk, meeting_id=meeting_target(decision.meeting)),
        "task_id": Target(task.pk, Record(town_path, taking_part=ids(task.assignee))),
        "inspection_id": Target(inspection.pk, in_town),
        "activity_id": Target(activity.pk, Record(town_path, villages=ids(village))),
        "draft_id": Target(draft.pk, in_town),
        "reward_id": Target(reward.pk, in_town),
        "person_id": Target(person.pk, in_town),
        "prompt_id": Target(prompt.pk, in_town),
        "run_id": Target(run.pk, in_town),
        "user_id": Target(people["cun03"].pk, in_town),
        "unit_id": Target(town.pk, in_town),
        "assignment_id": Target(assignment.pk, Record(city.path)),
        "town_row_id": part(
            assignment.towns.get(town=town).pk,
            assignment_id=Target(assignment.pk, Record(city.path)),
        ),
        "kind_id": Target(PublicityKind.objects.order_by("id")[0].pk, in_town),
        "mapping_id": Target(_case_mapping(town, banshi), in_town),
        "entry_id": Target(DictionaryEntry.objects.order_by("id")[0].pk, in_town),
        "override_id": Target(_calendar_override().pk, in_town),
        "schedule_id": Target(
            PublicitySchedule.objects.filter(town=town).order_by("id")[0].pk, in_town
        ),
        "membership_id": Target(
            GroupMembership.objects.filter(group__unit=town).order_by("-id")[0].pk, in_town
        ),
    }
    own["appearance_id"] = part(
        person.appearances.order_by("id").values_list("pk", flat=True)[0],
        person_id=own["person_id"],
    )
    # One of each of the office's corrections on two persons of the town's cases.
    first, second = Person.objects.filter(unit=town).order_by("id")[:2]
    corrections = plant_corrections(first, second, banshi)
    own |= {
        kind: Target(pk, in_town) for kind, pk in corrections.items() if kind != "appearance_id"
    }
    # The photo of a finding (a round's) and of an activity share a parameter name.
    own["photo_id"] = part(finding.photos.get().pk, round_id=finding_round)
    namesakes = {
        ("photo_id", "activity_id"): part(activity.photos.get().pk, activity_id=own["activity_id"]),
        ("attachment_id", "tip_id"): part(tip.attachments.get().pk, tip_id=own["tip_id"]),
    }
    other = {
        "lead_id": Target(
            other_lead.pk,
            Record(other_path, villages=ids(other_village), created_by=banshi2.pk),
        ),
        "case_id": Target(other_case.pk, in_other_town),
        "list_id": Target(other_assigned_list.pk, in_other_town),
        "mapping_id": Target(_case_mapping(other_town, banshi2), in_other_town),
        "staged_id": Target(_staged_of(other_assigned_list), in_other_town),
        "list_job_id": Target(_list_job(other_town, banshi2).pk, in_other_town),
        "item_id": Target(other_item.pk, other_village_record),
        "activity_id": Target(other_activity.pk, other_village_record),
        "person_id": Target(other_person.pk, in_other_town),
        "prompt_id": Target(other_prompt.pk, in_other_town),
        "run_id": Target(other_run.pk, in_other_town),
        "village_id": Target(other_village.pk, other_village_record),
        "user_id": Target(banshi2.pk, in_other_town),
        "unit_id": Target(other_town.pk, in_other_town),
    }
    marks = [(OWN_VILLAGE_MARK, "lead_id", lead_target.record)] + [
        (text, kind, other[kind].record) for kind, text in OTHER_TOWN_MARKS.items()
    ]
    filters = [
        {"village": village.pk},
        {"village": other_village.pk, "town": other_town.pk, "unit": other_town.pk},
    ]
    created_in = {
        "unit_id": Target(town.pk, in_town),
        "village_id": Target(village.pk, Record(town_path, villages=ids(village))),
    }
    body_ids = {
        "unit_id": town.pk,
        "responsible_unit_id": town.pk,
        "village_id": village.pk,
        "village_ids": village.pk,
        "handling_unit_id": village.pk,
        "police_unit_id": Unit.objects.get(name="港西派出所").pk,
        "responsible_leader_id": people["shuji"].pk,
        "owner_id": people["shuji"].pk,
        "chair_id": people["shuji"].pk,
        "interviewee_ids": people["cun01"].pk,
        "folder_id": finding.folder_id,
        "target_category_id": DictionaryEntry.objects.filter(kind=DictionaryKind.TARGET_CATEGORY)
        .order_by("id")
        .values_list("pk", flat=True)[0],
        "offence_type_ids": DictionaryEntry.objects.filter(kind=DictionaryKind.OFFENCE_TYPE)
        .order_by("id")
        .values_list("pk", flat=True)[0],
    }
    for person_field in (
        "handler_id",
        "interviewer_id",
        "recorder_id",
        "attendee_ids",
        "inspector_ids",
        "assignee_id",
        "responsible_person_id",
    ):
        body_ids[person_field] = banshi.pk
    return Objects(
        own=own,
        other=other,
        marks=marks,
        filters=filters,
        namesakes=namesakes,
        created_in=created_in,
        body_ids=body_ids,
    )


@dataclass(frozen=True)
class Attempt:
    label: str
    url: str
    roles: Roles
    records: dict[str, Record]
    api: bool = False
    headers: dict[str, str] = field(default_factory=dict)
    # A list asked for another village's or town's records: whatever it answers (never a 500),
    # it shows none of them.
    filtered: bool = False


def _reads_htmx(view: Any) -> bool:
    """A view that answers htmx with a fragment of its template (the import's progress)."""
    try:
        return "HX-Request" in inspect.getsource(inspect.unwrap(view))
    except (OSError, TypeError):
        return False


def _answers_get(view: Any) -> bool:
    """Every view but those that refuse GET outright (require_POST)."""
    try:
        source = inspect.getsource(inspect.unwrap(view))
    except (OSError, TypeError):
        return True
    return "require_POST" not in source and 'require_http_methods(["POST"])' not in source


def _choices(params: list[str], objects: Objects) -> Iterator[dict[str, Target]]:
    """The town's objects, then each object kind of the other town on its own."""
    if any(param not in objects.own and param not in VALUES for param in params):
        return
    chosen = {param: objects.own[param] for param in params if param in objects.own}
    for (param, owner), target in objects.namesakes.items():
        if param in chosen and owner in chosen:
            chosen[param] = target
    for target in list(chosen.values()):
        chosen.update({kind: owner for kind, owner in target.owners.items() if kind in params})
    yield chosen
    # Another town's object alone in the path: the id a guesser would try.
    if len(chosen) == 1 and (param := next(iter(chosen))) in objects.other:
        yield {param: objects.other[param]}


def _page_attempts(objects: Objects) -> tuple[list[Attempt], list[str]]:
    attempts, unnamed = [], []
    for route, name, view in _page_patterns(get_resolver().url_patterns):
        if name in SELF_SERVICE or name in NOT_WALKED or route.startswith("api/"):
            continue
        if not _answers_get(view):
            continue
        if name not in PAGES:
            unnamed.append(f"{name}: not in the access table (saohei/common/access_matrix.py)")
            continue
        params = re.findall(r"<(?:\w+:)?(\w+)>", route)
        query = QUERY_OBJECTS.get(name, {})
        choices = list(_choices([*params, *query.values()], objects))
        if not choices:
            unnamed.append(f"{name}: no object of the demo towns for {params}")
        fixed_params = [param for param in params if param in VALUES]
        values = itertools.product(*(VALUES[param] for param in fixed_params))
        for chosen, fixed in itertools.product(choices, values):
            kwargs: dict[str, int | str] = {
                param: target.id for param, target in chosen.items() if param in params
            }
            kwargs.update(zip(fixed_params, fixed, strict=True))
            url = reverse(name, kwargs=kwargs)
            if query:
                url += "?" + urlencode({key: chosen[kind].id for key, kind in query.items()})
            records = {kind: target.record for kind, target in chosen.items() if kind in OBJECTS}
            label = f"GET {url} ({name})"
            attempts.append(Attempt(label, url, PAGES[name], records))
            if _reads_htmx(view):
                htmx = {"HX-Request": "true"}
                attempts.append(Attempt(f"{label} htmx", url, PAGES[name], records, headers=htmx))
        if not params and not query and PAGES[name] != Audience.ANYONE:
            path = reverse(name)
            for filters in objects.filters:
                url = f"{path}?{urlencode(filters)}"
                attempts.append(Attempt(f"GET {url} ({name})", url, PAGES[name], {}, filtered=True))
    return attempts, unnamed


def _path_values(params: list[str], chosen: dict[str, Target]) -> dict[str, object]:
    """The objects' ids, and a fixed value (a briefing figure's key) for the rest."""
    values: dict[str, object] = {param: VALUES[param][0] for param in params if param in VALUES}
    values.update({param: chosen[param].id for param in params if param in chosen})
    return values


def _api_attempts(objects: Objects) -> tuple[list[Attempt], list[str]]:
    attempts, unnamed = [], []
    for path, operations in api.get_openapi_schema()["paths"].items():
        if "get" not in operations:
            continue
        key = f"GET {path}"
        if key not in API_READS:
            unnamed.append(f"{key}: not in the access table (saohei/common/access_matrix.py)")
            continue
        params = re.findall(r"{(\w+)}", path)
        choices = list(_choices(params, objects))
        if not choices:
            unnamed.append(f"{key}: no object of the demo towns for {params}")
        for chosen in choices:
            url = path.format(**_path_values(params, chosen))
            # A part (an attachment of a lead) is reached through its owner, as on the pages.
            records = {param: chosen[param].record for param in params if param in OBJECTS}
            attempts.append(Attempt(f"GET {url}", url, API_READS[key], records, api=True))
    return attempts, unnamed


@dataclass(frozen=True)
class Operation:
    """One API operation of the schema on the town's objects: reads by API_READS, the rest by
    API_WRITES, with a body its own office would send (so validation passes and access decides)."""

    label: str
    method: str
    url: str
    roles: Roles
    records: dict[str, Record]
    body: Any = None
    multipart: bool = False  # an upload: the body as multipart/form-data


def _api_operations(objects: Objects) -> tuple[list[Operation], list[str]]:
    """Every operation of the OpenAPI schema, each named in the table, on the town's objects:
    港西村's where the object has a village, the town itself for a create."""
    schema = api.get_openapi_schema()
    components = schema["components"]["schemas"]
    operations, unnamed = [], []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            key = f"{method.upper()} {path}"
            table = API_READS if method == "get" else API_WRITES
            if key not in table:
                unnamed.append(f"{key}: not in the access table (saohei/common/access_matrix.py)")
                continue
            params = re.findall(r"{(\w+)}", path)
            chosen = next(_choices(params, objects), None)
            if chosen is None:
                unnamed.append(f"{key}: no object of the demo towns for {params}")
                continue
            url = path.format(**_path_values(params, chosen))
            records = {param: chosen[param].record for param in params if param in OBJECTS}
            body, multipart = None, False
            if method != "get":
                body_schema, multipart = request_body_schema(operation)
                body = _example(body_schema, components, "", objects.body_ids)
                if key in API_CREATED_IN:
                    field_name = API_CREATED_IN[key]
                    body[field_name] = objects.body_ids[field_name]
                    records = {field_name: objects.created_in[field_name].record}
            operations.append(
                Operation(f"{key} {url}", method, url, table[key], records, body, multipart)
            )
    return operations, unnamed


@dataclass(frozen=True)
class Matrix:
    attempts: list[Attempt]
    unnamed: list[str]
    marks: list[tuple[str, str, Record]]
    operations: list[Operation]
    operations_unnamed: list[str]


@shared_layer("read_matrix")
def _matrix() -> Matrix:
    """Both demo towns with history, the planted records and the attempts: once per worker."""
    with override_settings(MEDIA_ROOT=MEDIA_ROOT):
        load_demo_town(with_history=True)
        objects = _build_objects()
    pages, pages_unnamed = _page_attempts(objects)
    reads, reads_unnamed = _api_attempts(objects)
    operations, operations_unnamed = _api_operations(objects)
    return Matrix(
        pages + reads,
        pages_unnamed + reads_unnamed,
        objects.marks,
        operations,
        operations_unnamed,
    )


@pytest.fixture
def read_matrix(demo: None, shared_town: SharedTown, settings: Any) -> Matrix:
    settings.MEDIA_ROOT = MEDIA_ROOT
    shared = shared_town.layer_value("read_matrix")
    return shared if isinstance(shared, Matrix) else _matrix()


def _grants(user: User | None) -> list[Grant]:
    if user is None:
        return []
    return [
        Grant(grant.role, grant.unit_id, grant.unit.path)  # type: ignore[arg-type]
        for grant in RoleGrant.objects.filter(user=user).select_related("unit")
    ]


def test_every_page_and_api_read_is_in_the_table(read_matrix: Matrix) -> None:
    assert not read_matrix.unnamed, "\n".join(read_matrix.unnamed)
    assert len(read_matrix.attempts) > 130


def test_the_table_names_no_page_or_operation_that_is_gone() -> None:
    pages = {name for _, name, _ in _page_patterns(get_resolver().url_patterns)}
    served = {
        f"{method.upper()} {path}"
        for path, operations in api.get_openapi_schema()["paths"].items()
        for method in operations
    }
    gone = (
        sorted((set(PAGES) | set(NOT_WALKED)) - pages)
        + sorted((set(API_READS) | set(API_WRITES)) - served)
        + sorted(set(API_CREATED_IN) - set(API_WRITES))
    )
    assert not gone, f"in saohei/common/access_matrix.py but no longer served: {gone}"


@pytest.mark.parametrize("username", ACCOUNTS)
def test_every_read_answers_exactly_as_the_access_table_says(
    read_matrix: Matrix, username: str
) -> None:
    """One test per account, so that the workers share the accounts."""
    user = User.objects.get(username=username) if username else None
    grants, user_id = _grants(user), user.pk if user else None
    client = sign_in(Client(), username) if username else Client()
    token = create_api_token(user=user, name="读取矩阵")[1] if user else ""
    hidden = [
        (text, kind)
        for text, kind, record in read_matrix.marks
        if not may_read(Audience.SIGNED_IN, grants, user_id, {kind: record})
    ]
    failures: list[str] = []
    for attempt in read_matrix.attempts:
        with transaction.atomic():
            headers = dict(attempt.headers)
            if attempt.api and user is not None:
                headers["Authorization"] = f"Bearer {token}"
            response = client.get(attempt.url, headers=headers)
            transaction.set_rollback(True)
        allowed = may_read(attempt.roles, grants, user_id, attempt.records)
        status = response.status_code
        if attempt.filtered:
            if status >= 500:
                failures.append(f"{username or '匿名'} {attempt.label}: {status}")
        elif allowed and not _answered(status, response):
            failures.append(f"{username or '匿名'} {attempt.label}: {status}, the table allows")
        elif not allowed and not _refused(status, response, attempt, user):
            failures.append(f"{username or '匿名'} {attempt.label}: {status}, the table refuses")
        body = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
        for text, kind in hidden:
            if text.encode() in body:
                failures.append(f"{username or '匿名'} {attempt.label}: shows {text} ({kind})")
    assert not failures, "\n".join(failures)


def _answered(status: int, response: Any) -> bool:
    """The page itself, or a form page's redirect to its record (never to the sign-in page)."""
    if status == 302:
        return not response["Location"].startswith(reverse("accounts:login"))
    return status == 200


def _refused(status: int, response: Any, attempt: Attempt, user: User | None) -> bool:
    if user is not None:
        return status in REFUSED
    if attempt.api:
        return status == 401
    return status == 302 and response["Location"].startswith(reverse("accounts:login"))


# Another village's head in the same town, and the other town's office and leader.
OUTSIDERS = ("cun02", "banshi2", "shuji2")


def test_every_api_operation_is_in_the_table(read_matrix: Matrix) -> None:
    assert not read_matrix.operations_unnamed, "\n".join(read_matrix.operations_unnamed)
    assert len(read_matrix.operations) > 50


def _is_error_shape(response: Any) -> bool:
    if not response.get("Content-Type", "").startswith("application/json"):
        return False
    body = json.loads(response.content)
    return (
        isinstance(body, dict)
        and set(body) == {"error"}
        and set(body["error"]) == {"code", "message", "fields"}
        and bool(body["error"]["message"])
    )


@pytest.mark.parametrize("username", OUTSIDERS)
def test_every_api_operation_refuses_another_village_and_another_town(
    read_matrix: Matrix, username: str
) -> None:
    """Every operation of the schema with a token of an account outside 港西村 (another village's
    head) or outside the town (the other town's office and leader), on 港西镇's objects: where the
    table refuses, a 403/404 in the error shape, and nothing written (every table's row count)."""
    user = User.objects.get(username=username)
    grants = _grants(user)
    headers = {"Authorization": f"Bearer {create_api_token(user=user, name='操作矩阵')[1]}"}
    client = Client()
    failures, refused = [], 0
    for operation in read_matrix.operations:
        allowed = may_read(operation.roles, grants, user.pk, operation.records)
        with transaction.atomic():
            before = _row_counts()
            if operation.body is None:
                response = client.get(operation.url, headers=headers)
            elif operation.multipart:
                response = client.post(operation.url, as_form(operation.body), headers=headers)
            else:
                response = getattr(client, operation.method)(
                    operation.url, operation.body, content_type="application/json", headers=headers
                )
            after = _row_counts()
            transaction.set_rollback(True)
        status = response.status_code
        if status >= 500:
            failures.append(f"{username} {operation.label}: {status}")
        if allowed:
            continue
        refused += 1
        if status not in REFUSED or not _is_error_shape(response):
            failures.append(
                f"{username} {operation.label}: {status} {response.content.decode()[:200]}, "
                "the table refuses"
            )
        elif after != before:
            failures.append(f"{username} {operation.label}: refused, but wrote rows")
    assert refused > 40, refused
    assert not failures, "\n".join(failures)


# What differs between two renders of the same page: tokens, the idle countdown, and the clock
# (生成时间, the print watermark, a form's default time).
VOLATILE = re.compile(
    rb'(csrfmiddlewaretoken" value="|"X-CSRFToken": "|data-idle-seconds-left=")[^"]*'
    rb"|()\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
)


def _lists(read_matrix: Matrix) -> list[Attempt]:
    """Pages and API reads without an object: the lists, counts and statistics."""
    return [
        attempt
        for attempt in read_matrix.attempts
        if not attempt.records and not attempt.filtered and "?" not in attempt.url
    ]


def _render(client: Client, attempts: list[Attempt], token: str) -> dict[str, bytes]:
    bodies = {}
    for attempt in attempts:
        headers = {"Authorization": f"Bearer {token}"} if attempt.api else {}
        with transaction.atomic():
            response = client.get(attempt.url, headers=headers)
            transaction.set_rollback(True)
        kind = response.get("Content-Type", "")
        if kind.startswith(("text/html", "application/json")):
            status = str(response.status_code).encode()
            bodies[attempt.label] = status + b"\n" + VOLATILE.sub(rb"\1\2", response.content)
    return bodies


def _more_records_in(town: Unit, village: Unit | None = None) -> None:
    """A lead, a rectification item and a publicity activity more in the town (in `village`,
    or its first)."""
    second = town.name == OTHER_TOWN
    office = User.objects.get(username="banshi2" if second else "banshi")
    leader = User.objects.get(username="shuji2" if second else "shuji")
    if village is None:
        village = Unit.objects.filter(parent=town, kind=UnitKind.VILLAGE).order_by("path")[0]
    lead = _register_lead(town, village, office, "又一条线索")
    rectification_services.open_item(
        actor=office,
        unit=town,
        source=rectification_services.ItemSource(kind=SourceKind.SELF_INSPECTION),
        data=rectification_services.ItemInput(
            description="又一项整改",
            measures="矩阵测试",
            responsible_leader=leader,
            responsible_unit=town,
            responsible_person=office,
            village=village,
            working_days=10,
        ),
    )
    publicity_services.record_activity(
        actor=office,
        town=town,
        data=publicity_services.ActivityInput(
            occurred_on=timezone.localdate() - timedelta(days=1),
            kind=PublicityKind.objects.order_by("id")[0],
            village=village,
            place_type=PlaceType.values[0],
            place="村委会",
            quantity=Decimal("3"),
            handler=office,
        ),
    )
    lead_services.triage_lead(actor=office, lead=lead, opinion="交村核查")


@pytest.mark.parametrize("username", ["banshi", "shuji", "suozhang", "cun02", "banshi2"])
def test_no_list_or_count_moves_with_another_towns_records(
    read_matrix: Matrix, username: str
) -> None:
    """Rows are checked by the planted strings; numbers here: every list, count and statistic
    an account may open reads the same before and after the other town gains records."""
    user = User.objects.get(username=username)
    client = sign_in(Client(), username)
    token = create_api_token(user=user, name="读取矩阵")[1]
    lists = _lists(read_matrix)
    before = _render(client, lists, token)
    other_town = "港西镇" if username == "banshi2" else OTHER_TOWN
    with transaction.atomic():
        _more_records_in(Unit.objects.get(name=other_town))
        after = _render(client, lists, token)
        transaction.set_rollback(True)
    assert len(before) > 5
    moved = [label for label, body in before.items() if after.get(label) != body]
    changes = [
        f"{label}: " + " | ".join(_changed_lines(before[label], after.get(label, b"")))
        for label in moved
    ]
    assert not moved, f"{username}, with {other_town}'s records:\n" + "\n".join(changes)


@pytest.mark.parametrize("username", ["cun01", "cun02", "cun2"])
def test_no_list_or_count_moves_with_another_villages_records(
    read_matrix: Matrix, username: str
) -> None:
    """The same one level down: a village head's lists, counts and statistics read the same
    when another village of the same town gains a lead, an item and an activity."""
    user = User.objects.get(username=username)
    own = RoleGrant.objects.get(user=user, role=Role.VILLAGE_HEAD).unit
    town = own.parent
    assert town is not None
    neighbour = (
        Unit.objects.filter(parent=town, kind=UnitKind.VILLAGE).exclude(pk=own.pk).order_by("path")
    )[0]
    client = sign_in(Client(), username)
    token = create_api_token(user=user, name="读取矩阵")[1]
    lists = _lists(read_matrix)
    before = _render(client, lists, token)
    with transaction.atomic():
        _more_records_in(town, neighbour)
        after = _render(client, lists, token)
        transaction.set_rollback(True)
    assert len(before) > 5
    moved = [label for label, body in before.items() if after.get(label) != body]
    changes = [
        f"{label}: " + " | ".join(_changed_lines(before[label], after.get(label, b"")))
        for label in moved
    ]
    assert not moved, f"{username}, with {neighbour.name}'s records:\n" + "\n".join(changes)


def _changed_lines(before: bytes, after: bytes) -> list[str]:
    lines = difflib.unified_diff(
        before.decode(errors="replace").splitlines(),
        after.decode(errors="replace").splitlines(),
        lineterm="",
        n=0,
    )
    return [line[:200] for line in lines if line[:1] in "+-" and line[:3] not in {"---", "+++"}][:4]
