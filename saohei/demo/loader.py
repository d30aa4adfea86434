"""Idempotent loading of the demo town: every object is looked up by its natural key first."""

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from saohei.accounts.services import requires_totp
from saohei.audit.models import AuditAction
from saohei.audit.services import record_event
from saohei.common.roles import Role
from saohei.demo.accountability import load_demo_accountability
from saohei.demo.cases import load_demo_cases
from saohei.demo.leads import load_demo_leads
from saohei.demo.meetings import load_demo_meetings
from saohei.demo.publicity import load_demo_publicity
from saohei.demo.rectifications import load_demo_rectifications
from saohei.demo.town import DEMO_PASSWORD, STAFF, VILLAGE_HEADS, VILLAGES
from saohei.inspections.defaults import seed_default_folders
from saohei.inspections.models import ArchiveFolder
from saohei.leads.defaults import seed_defaults
from saohei.leads.models import DictionaryEntry, SourceTimeLimit
from saohei.organisations.models import (
    GroupMembership,
    GroupRole,
    LeadingGroup,
    RoleGrant,
    Unit,
    UnitKind,
    User,
)
from saohei.organisations.services import build_unit
from saohei.publicity.defaults import seed_default_kinds
from saohei.publicity.models import PublicityKind


@dataclass
class DemoReport:
    created: list[str] = field(default_factory=list)
    totp_secrets: dict[str, str] = field(default_factory=dict)
    # The demo tip's receipt, only on the run that created it (receipts are never stored).
    tip_receipt: str = ""


def _unit(
    name: str, kind: UnitKind, parent: Unit | None, code: str, order: int, report: DemoReport
) -> Unit:
    existing = Unit.objects.filter(name=name, parent=parent).first()
    if existing:
        return existing
    report.created.append(f"单位 {name}")
    return build_unit(name=name, kind=kind, parent=parent, code=code, sort_order=order)


def _user(username: str, real_name: str, position: str, unit: Unit, report: DemoReport) -> User:
    existing = User.objects.filter(username=username).first()
    if existing:
        return existing
    user = User(username=username, real_name=real_name, position=position, unit=unit)
    user.set_password(DEMO_PASSWORD)
    # Demo accounts skip the forced first change so the demo can be walked through at once.
    user.must_change_password = False
    user.password_changed_at = timezone.now()
    user.save()
    report.created.append(f"账号 {username}")
    return user


def _grant(user: User, role: Role, unit: Unit) -> None:
    RoleGrant.objects.get_or_create(user=user, role=role, defaults={"unit": unit})


@transaction.atomic
def load_demo_town(*, with_history: bool = True) -> DemoReport:
    """The org and people; with `with_history`, also the seed's lead history (tests opt out)."""
    report = DemoReport()
    # Reference lists normally come from data migrations; a flush (test teardown, a wiped demo)
    # empties them, so put back whatever is missing. Never changes an edited entry.
    seed_defaults(DictionaryEntry, SourceTimeLimit)
    seed_default_folders(ArchiveFolder)
    seed_default_kinds(PublicityKind)
    city = _unit("荣成市扫黑办", UnitKind.CITY_OFFICE, None, "RC", 0, report)
    town = _unit("港西镇", UnitKind.TOWN, city, "GX", 10, report)
    police = _unit("港西派出所", UnitKind.POLICE_STATION, town, "GXPCS", 5, report)
    _unit("港西镇党政办公室", UnitKind.DEPARTMENT, town, "", 6, report)
    units = {"city": city, "town": town, "police": police}

    for order, ((name, kind), head_name) in enumerate(
        zip(VILLAGES, VILLAGE_HEADS, strict=True), start=1
    ):
        village = _unit(name, UnitKind(kind), town, "", 100 + order, report)
        head = _user(f"cun{order:02d}", head_name, f"{name}党支部书记", village, report)
        _grant(head, Role.VILLAGE_HEAD, village)

    group = LeadingGroup.objects.filter(unit=town).first()
    if group is None:
        group = LeadingGroup.objects.create(
            unit=town,
            name="港西镇扫黑除恶专项斗争领导小组",
            office_name="领导小组办公室",
            established_on=date(2018, 2, 1),
        )
        report.created.append("领导小组")

    for username, real_name, position, unit_key, grants, membership in STAFF:
        user = _user(username, real_name, position, units[unit_key], report)
        for role, scope_key in grants:
            _grant(user, Role(role), units[scope_key])
        if membership is not None:
            group_role, order = membership
            GroupMembership.objects.get_or_create(
                group=group,
                user=user,
                defaults={
                    "group_role": GroupRole(group_role),
                    "title": position,
                    "sort_order": order,
                },
            )

    # Every demo account whose role the policy puts behind TOTP gets a device (leaders too).
    for username, *_ in STAFF:
        user = User.objects.get(username=username)
        if not requires_totp(user):
            continue
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="演示动态口令", confirmed=True)
            report.created.append(f"动态口令 {username}")
        report.totp_secrets[username] = device.key

    leads, report.tip_receipt = load_demo_leads(town) if with_history else (0, "")
    if leads:
        report.created.append(f"线索 {leads} 条")
    cases = load_demo_cases(town) if with_history else 0
    if cases:
        report.created.append(f"治安案件 {cases} 起")
    rectifications = load_demo_rectifications(town) if with_history else 0
    if rectifications:
        report.created.append(f"整改事项 {rectifications} 项")
    accountability = load_demo_accountability(town) if with_history else 0
    if accountability:
        report.created.append(f"谈心谈话与档案检查 {accountability} 项")
    meetings = load_demo_meetings(town) if with_history else 0
    if meetings:
        report.created.append(f"会议与自查 {meetings} 项")
    publicity = load_demo_publicity(town) if with_history else 0
    if publicity:
        report.created.append(f"宣传活动 {publicity} 条")

    if report.created:
        record_event(
            action=AuditAction.DEMO_LOADED,
            unit=town,
            details={"created": len(report.created)},
        )
    return report
