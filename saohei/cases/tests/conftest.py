from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile

from saohei.cases import services
from saohei.cases.models import Case, ImportJob
from saohei.cases.tests.helpers import case_row, person_row, xlsx_file
from saohei.organisations.models import Unit, UnitKind, User
from saohei.organisations.services import build_unit


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _immediate_tasks(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def town(demo: None) -> Unit:
    return Unit.objects.get(name="港西镇")


@pytest.fixture
def import_file(town: Unit) -> Callable[..., ImportJob]:
    """Run an import now, as `username` (None: the server's command line)."""

    def run(
        file: ContentFile, persons_file: ContentFile | None = None, username: str | None = "banshi"
    ) -> ImportJob:
        actor = User.objects.get(username=username) if username else None
        return services.import_cases_file(
            actor=actor, unit=town, file=file, persons_file=persons_file
        )

    return run


@pytest.fixture
def imported(import_file: Callable[..., ImportJob]) -> list[Case]:
    """Two cases of 港西镇: one with a 纠集者 and two other perpetrators, one with a victim."""
    job = import_file(
        xlsx_file(
            cases=[
                case_row(number="A-001", cause="寻衅滋事", village="东岛村"),
                case_row(number="A-002", cause="故意伤害", village="北港村", occurred="2015-06-01"),
            ],
            persons=[
                person_row(
                    number="A-001", name="王某", role="纠集者", id_number="11010519491231002X"
                ),
                person_row(number="A-001", name="李某", role="参与者", phone="13912345678"),
                person_row(number="A-001", name="赵某", role="参与者"),
                person_row(number="A-002", name="孙某", role="被害人"),
            ],
        )
    )
    assert job.status == "succeeded", job.errors
    return list(Case.objects.order_by("number"))


@pytest.fixture
def other_town(demo: None) -> Unit:
    city = Unit.objects.get(name="荣成市扫黑办")
    town = build_unit(name="柳林镇", kind=UnitKind.TOWN, parent=city, code="LL")
    build_unit(name="柳林村", kind=UnitKind.VILLAGE, parent=town)
    return town


@pytest.fixture
def other_towns_case(other_town: Unit) -> Case:
    job = services.import_cases_file(
        actor=None,
        unit=other_town,
        file=xlsx_file(cases=[case_row(number="L-001", village="柳林村")], persons=[]),
    )
    assert job.status == "succeeded", job.errors
    return Case.objects.get(unit=other_town)
