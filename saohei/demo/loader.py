"""Idempotent loading of the demo town: every object is looked up by its natural key first."""

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from saohei.accounts.queries import requires_totp
from saohei.analysis.registry import rebuild
from saohei.audit.models import AuditAction
from saohei.audit.services import record_event
from saohei.common.roles import Role
from saohei.demo.accountability import load_demo_accountability
from saohei.demo.cases import load_demo_cases
from saohei.demo.example_town import POLICE_STATION as EXAMPLE_POLICE_STATION
from saohei.demo.example_town import STAFF as EXAMPLE_STAFF
from saohei.demo.example_town import TOWN as EXAMPLE_TOWN
from saohei.demo.example_town import load_example_cases, load_example_lead
from saohei.demo.leads import load_demo_leads
from saohei.demo.meetings import load_demo_meetings
from saohei.demo.publicity import load_demo_publicity
from saohei.demo.rectifications import load_demo_rectifications
from saohei.demo.town import DEMO_PASSWORD, STAFF, VILLAGE_HEADS, VILLAGES
from saohei.demo.village_reports import load_demo_village_reports
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


def _leading_group(town: Unit, report: DemoReport) -> LeadingGroup:
    group = LeadingGroup.objects.filter(unit=town).first()
    if group is None:
        group = LeadingGroup.objects.create(
            unit=town,
            name=f"{town.name}扫黑除恶专项斗争领导小组",
            office_name="领导小组办公室",
            established_on=date(2018, 2, 1),
        )
        report.created.append(f"{town.name}领导小组")
    return group


StaffRow = tuple[str, str, str, str, list[tuple[str, str]], tuple[str, int] | None]


def _staff(
    staff: list[StaffRow], group: LeadingGroup, units: dict[str, Unit], report: DemoReport
) -> None:
    """The accounts, their role grants and group memberships; every account whose role the
    policy puts behind TOTP gets a device (leaders too)."""
    for username, real_name, position, unit_key, grants, membership in staff:
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
    for username, *_ in staff:
        user = User.objects.get(username=username)
        if not requires_totp(user):
            continue
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="演示动态口令", confirmed=True)
            report.created.append(f"动态口令 {username}")
        report.totp_secrets[username] = device.key


def _example_town(city: Unit, report: DemoReport) -> Unit:
    """虚构镇: its villages, police station, leading group and accounts."""
    town = _unit(EXAMPLE_TOWN.name, UnitKind.TOWN, city, "XG", 20, report)
    police = _unit(EXAMPLE_POLICE_STATION, UnitKind.POLICE_STATION, town, "XGPCS", 5, report)
    villages = [
        _unit(
            name,
            UnitKind.COMMUNITY if name.endswith("社区") else UnitKind.VILLAGE,
            town,
            "",
            100 + order,
            report,
        )
        for order, name in enumerate(EXAMPLE_TOWN.villages, start=1)
    ]
    group = _leading_group(town, report)
    units = {"city": city, "town": town, "police": police, "village": villages[0]}
    _staff(EXAMPLE_STAFF, group, units, report)
    return town


@transaction.atomic
def load_demo_town(*, with_history: bool = True) -> DemoReport:
    """The org and people; with `with_history`, also the seed's lead history and the second
    town, 虚构镇, with its generated cases (tests opt out)."""
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

    group = _leading_group(town, report)
    _staff(STAFF, group, units, report)

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
    village_reports = load_demo_village_reports(town) if with_history else 0
    if village_reports:
        report.created.append(f"村月报 {village_reports} 份")
    if with_history:
        # The 研判 demo town comes with the history: tests without it keep one town.
        example = _example_town(city, report)
        example_cases = load_example_cases(example)
        if example_cases:
            report.created.append(f"{EXAMPLE_TOWN.name}治安案件 {example_cases} 起")
        if load_example_lead(example):
            report.created.append(f"{EXAMPLE_TOWN.name}线索 1 条")

    if with_history and report.created:
        # The person registry as the background worker would leave it, built at once so that
        # `make run` opens with persons, links and prompts (a bulk rebuild, one transaction).
        registry = rebuild()
        report.created.append(f"人员库 {registry.persons} 人")
    if report.created:
        record_event(
            action=AuditAction.DEMO_LOADED,
            unit=town,
            details={"created": len(report.created)},
        )
    return report
