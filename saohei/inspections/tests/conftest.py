from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from saohei.common.roles import Role
from saohei.common.uploads import CheckedUpload, check_uploads
from saohei.inspections import services
from saohei.inspections.models import ArchiveFolder, Finding, InspectionRound
from saohei.organisations.models import RoleGrant, Unit, UnitKind, User
from saohei.organisations.services import build_unit

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

RecordFinding = Callable[..., Finding]


@pytest.fixture
def town(demo: None) -> Unit:
    return Unit.objects.get(name="港西镇")


@pytest.fixture
def village(demo: None) -> Unit:
    """东岛村, whose head is cun02."""
    return Unit.objects.get(name="东岛村")


@pytest.fixture
def other_village(demo: None) -> Unit:
    """北港村, whose head is cun04."""
    return Unit.objects.get(name="北港村")


def photo(name: str = "档案.png") -> list[CheckedUpload]:
    return check_uploads([SimpleUploadedFile(name, PNG, content_type="image/png")])


def folder(name: str) -> ArchiveFolder:
    return ArchiveFolder.objects.get(name=name)


@pytest.fixture
def inspection(town: Unit, village: Unit, other_village: Unit) -> InspectionRound:
    return services.create_round(
        actor=User.objects.get(username="banshi"),
        unit=town,
        data=services.RoundInput(
            title="2026年第一轮村级档案检查",
            deployed_by="荣成市扫黑办",
            inspected_on=timezone.localdate(),
            inspectors=[User.objects.get(username="banshi")],
            villages=[village, other_village],
            working_days=10,
        ),
    )


@pytest.fixture
def record_finding(inspection: InspectionRound, village: Unit) -> RecordFinding:
    def make(actor: str = "banshi", **overrides: Any) -> Finding:
        values: dict[str, Any] = {
            "inspection": inspection,
            "village": village,
            "folder": folder("线索摸排（含零报告）"),
            "result": "missing",
            "note": "缺少三月、四月零报告",
        }
        values.update(overrides)
        return services.record_finding(actor=User.objects.get(username=actor), **values)

    return make


@pytest.fixture
def other_town(demo: None) -> Unit:
    """柳林镇, a second town under the same city, with one village."""
    city = Unit.objects.get(name="荣成市扫黑办")
    town = build_unit(name="柳林镇", kind=UnitKind.TOWN, parent=city, code="LL")
    build_unit(name="柳林村", kind=UnitKind.VILLAGE, parent=town)
    return town


def move_grant(username: str, role: Role, unit: Unit) -> None:
    """Point the account's grant of `role` at another unit (e.g. a supervisor of another town)."""
    RoleGrant.objects.filter(user__username=username, role=role).update(unit=unit)
