"""取值对照 for the police case import (decision 0065): a word the import does not know (a role
written 主犯, a nature 行政案件（治安）, a village 港西镇东岛村村委会一组) is listed once with its row
count, mapped by the clerk, remembered for the town and the sender, the rows checked again
from the kept file, and the sender's next import reads it by itself."""

import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from saohei.audit.models import AuditAction, AuditEvent
from saohei.cases import services
from saohei.cases.kinds import CASE_SHEET
from saohei.cases.models import Case, CasePerson, ImportJob, ImportStatus, PersonRole
from saohei.cases.tests.helpers import PERSON_HEADER, case_row, person_row, xlsx_file
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.organisations.models import Unit, User
from saohei.sheets import services as sheet_services
from saohei.sheets.models import SenderMapping

pytestmark = pytest.mark.django_db
ClientAs = Callable[[str], Client]
STATION = "港西派出所"


def _police_words() -> ContentFile:
    """Two cases in the station's own words: none of them is a label, a built-in synonym or
    a village name the import reads."""
    return xlsx_file(
        cases=[
            case_row(number="W-001", nature="行政案件（治安）", village="港西镇东岛村村委会一组"),
            case_row(number="W-002", nature="刑事", village="港西镇东岛村村委会一组"),
        ],
        persons=[
            person_row(number="W-001", name="王某", role="主犯"),
            person_row(number="W-001", name="李某", role="主犯"),
            person_row(number="W-002", name="赵某", role="嫌疑人（在逃）"),
            person_row(number="W-002", name="孙某", role="受害人"),
        ],
    )


def _import(town: Unit, *, sender: str = STATION, username: str = "banshi") -> ImportJob:
    return services.import_cases_file(
        actor=User.objects.get(username=username), unit=town, file=_police_words(), sender=sender
    )


def _words(job: ImportJob) -> dict[tuple[str, str], int]:
    return {(word["field"], word["word"]): word["rows"] for word in job.unknown_values}


def _place(job: ImportJob, field: str, word: str) -> int:
    return next(
        place
        for place, found in enumerate(job.unknown_values)
        if (found["field"], found["word"]) == (field, word)
    )


def _village(town: Unit, name: str = "东岛村") -> Unit:
    return Unit.objects.get(parent=town, name=name)


def _choices(job: ImportJob, town: Unit) -> dict[int, str]:
    return {
        _place(job, "role", "主犯"): PersonRole.ORGANISER.value,
        _place(job, "role", "嫌疑人（在逃）"): PersonRole.PARTICIPANT.value,
        _place(job, "nature", "行政案件（治安）"): "public_security",
        _place(job, "village", "港西镇东岛村村委会一组"): str(_village(town).pk),
    }


def test_unknown_words_are_listed_once_each_with_their_row_count_and_the_file_is_kept(
    town: Unit,
) -> None:
    job = _import(town)
    assert job.status == ImportStatus.FAILED and not Case.objects.exists()
    assert _words(job) == {
        ("nature", "行政案件（治安）"): 1,
        ("village", "港西镇东岛村村委会一组"): 2,
        ("role", "主犯"): 2,
        ("role", "嫌疑人（在逃）"): 1,
    }
    # 受害人 is a built-in synonym: a default, never an unknown word.
    assert all(word["word"] != "受害人" for word in job.unknown_values)
    assert job.awaits_values and job.file
    assert any("取值对照" in error["message"] for error in job.errors)


def test_the_job_page_offers_a_select_of_the_allowed_values_per_unknown_word(
    town: Unit, client_as: ClientAs
) -> None:
    job = _import(town)
    page = client_as("banshi").get(f"/cases/imports/{job.pk}/").content.decode()
    assert 'data-testid="value-mapping"' in page
    assert "主犯" in page and "嫌疑人（在逃）" in page and "港西镇东岛村村委会一组" in page
    assert '<option value="organiser">组织者</option>' in page
    assert f'<option value="{_village(town).pk}">东岛村</option>' in page
    assert "保存对照并重新校验" in page


def test_mapping_saves_per_sender_and_checks_the_rows_again_without_a_new_upload(
    town: Unit, client_as: ClientAs, django_capture_on_commit_callbacks: Any
) -> None:
    job = _import(town)
    form = {f"value_{place}": value for place, value in _choices(job, town).items()}
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as("banshi").post(f"/cases/imports/{job.pk}/values/", form)
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    assert not job.file and not job.unknown_values
    mapping = SenderMapping.objects.get(unit=town, kind=CASE_SHEET.key, sender=STATION)
    assert mapping.values["role"] == {"主犯": "organiser", "嫌疑人(在逃)": "participant"}
    assert mapping.values["village"] == {"港西镇东岛村村委会一组": str(_village(town).pk)}
    roles = dict(CasePerson.objects.values_list("name", "role"))
    assert roles == {
        "王某": PersonRole.ORGANISER,
        "李某": PersonRole.ORGANISER,
        "赵某": PersonRole.PARTICIPANT,
        "孙某": PersonRole.VICTIM,
    }
    assert set(Case.objects.values_list("nature", "village__name")) == {
        ("public_security", "东岛村"),
        ("criminal", "东岛村"),
    }
    assert AuditEvent.objects.filter(action=AuditAction.SHEET_MAPPING_SAVED).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.CASES_IMPORT_RETRIED).count() == 1


def test_the_next_import_from_the_same_sender_reads_the_saved_mapping_and_says_so(
    town: Unit, client_as: ClientAs
) -> None:
    first = _import(town)
    services.map_import_values(
        actor=User.objects.get(username="banshi"), job=first, choices=_choices(first, town)
    )
    job = _import(town, username="minjing")
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    remembered = {(word["field"], word["word"]): word["rows"] for word in job.remembered_values}
    assert remembered[("role", "主犯")] == 2
    page = client_as("minjing").get(f"/cases/imports/{job.pk}/").content.decode()
    assert "按已保存的对应关系" in page and 'data-testid="remembered-values"' in page
    assert "组织者" in page


def test_a_saved_mapping_is_not_applied_to_another_sender(town: Unit) -> None:
    first = _import(town)
    services.map_import_values(
        actor=User.objects.get(username="banshi"), job=first, choices=_choices(first, town)
    )
    job = _import(town, sender="荣成市公安局")
    assert job.status == ImportStatus.FAILED
    assert ("role", "主犯") in _words(job) and not job.remembered_values


def test_another_towns_mapping_for_the_same_sender_is_not_applied(
    town: Unit, other_town: Unit
) -> None:
    SenderMapping.objects.create(
        unit=other_town,
        kind=CASE_SHEET.key,
        sender=STATION,
        values={"role": {"主犯": "organiser"}, "nature": {"行政案件(治安)": "public_security"}},
        updated_by=User.objects.get(username="banshi"),
    )
    job = _import(town)
    assert job.status == ImportStatus.FAILED
    assert ("role", "主犯") in _words(job) and not job.remembered_values


def test_a_value_not_allowed_is_refused_in_chinese_and_nothing_is_saved(
    town: Unit, other_town: Unit, client_as: ClientAs
) -> None:
    job = _import(town)
    url = f"/cases/imports/{job.pk}/values/"
    office = client_as("banshi")
    response = office.post(url, {f"value_{_place(job, 'role', '主犯')}": "boss"})
    assert response.status_code == 200
    assert "请从列表中选择对应的值" in response.content.decode()
    # Another town's village is not among this town's choices either.
    other_village = Unit.objects.get(parent=other_town)
    place = _place(job, "village", "港西镇东岛村村委会一组")
    response = office.post(url, {f"value_{place}": str(other_village.pk)})
    assert response.status_code == 200 and "请从列表中选择对应的值" in response.content.decode()
    # Nothing chosen at all.
    response = office.post(url, {})
    assert (
        response.status_code == 200 and "请至少为一个取值选择对应的值" in response.content.decode()
    )
    assert not SenderMapping.objects.exists()
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and job.awaits_values


def test_the_service_refuses_a_value_not_allowed_and_a_word_not_listed(
    town: Unit, other_town: Unit
) -> None:
    job = _import(town)
    banshi = User.objects.get(username="banshi")
    with pytest.raises(ServiceError, match="不是角色的可选值"):
        services.map_import_values(
            actor=banshi, job=job, choices={_place(job, "role", "主犯"): "boss"}
        )
    other_village = str(Unit.objects.get(parent=other_town).pk)
    with pytest.raises(ServiceError, match="不是所属村的可选值"):
        services.map_import_values(
            actor=banshi,
            job=job,
            choices={_place(job, "village", "港西镇东岛村村委会一组"): other_village},
        )
    with pytest.raises(ServiceError, match="请刷新页面"):
        services.map_import_values(actor=banshi, job=job, choices={99: "organiser"})
    with pytest.raises(ServiceError, match="无法识别的字段"):
        sheet_services.save_value_mapping(
            actor=banshi,
            unit=town,
            kind=CASE_SHEET,
            sender=STATION,
            values={"id_number": {"x": "y"}},
            may_import=lambda user, unit: True,
        )
    assert not SenderMapping.objects.exists()


def test_a_sender_named_in_the_form_is_ignored_the_jobs_own_is_used(
    town: Unit, client_as: ClientAs
) -> None:
    job = _import(town)
    place = _place(job, "role", "主犯")
    client_as("banshi").post(
        f"/cases/imports/{job.pk}/values/",
        {f"value_{place}": "organiser", "sender": "伪造单位", "unit": "999"},
    )
    assert list(SenderMapping.objects.values_list("unit", "sender")) == [(town.pk, STATION)]


def test_a_sender_with_a_control_character_is_refused_at_upload(
    town: Unit, client_as: ClientAs
) -> None:
    response = client_as("banshi").post(
        "/cases/imports/",
        {"unit": town.pk, "file": _police_words(), "sender": "港西\x07派出所"},
    )
    assert response.status_code == 200
    assert "来文单位" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_the_mapping_page_refuses_the_wrong_role_another_town_and_anonymous(
    town: Unit, other_town: Unit, client_as: ClientAs
) -> None:
    job = _import(town)
    url = f"/cases/imports/{job.pk}/values/"
    form = {f"value_{_place(job, 'role', '主犯')}": "organiser"}
    assert client_as("cun01").post(url, form).status_code in (403, 404)
    assert client_as("shiban").post(url, form).status_code in (403, 404)
    anonymous = Client().post(url, form)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert client_as("banshi").get(url).status_code == 405
    # A job of another town is not found at all.
    theirs = services.import_cases_file(
        actor=None,
        unit=other_town,
        file=xlsx_file(cases=[case_row(number="L-9", village="柳林村")], persons=[]),
    )
    assert client_as("banshi").post(f"/cases/imports/{theirs.pk}/values/", form).status_code == 404
    with pytest.raises(ActionNotAllowed):
        services.map_import_values(
            actor=User.objects.get(username="cun01"), job=job, choices={0: "organiser"}
        )
    assert not SenderMapping.objects.exists()


def test_a_partial_mapping_saves_what_was_chosen_and_lists_the_rest_again(
    town: Unit, django_capture_on_commit_callbacks: Any
) -> None:
    job = _import(town)
    with django_capture_on_commit_callbacks(execute=True):
        services.map_import_values(
            actor=User.objects.get(username="banshi"),
            job=job,
            choices={_place(job, "role", "主犯"): "organiser"},
        )
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and not Case.objects.exists()
    assert ("role", "主犯") not in _words(job) and ("role", "嫌疑人（在逃）") in _words(job)
    assert {word["word"] for word in job.remembered_values} == {"主犯"}


def test_a_kept_file_goes_after_a_day_and_the_mapping_can_still_be_saved(town: Unit) -> None:
    job = _import(town)
    kept = str(job.file.name)
    later = timezone.now() + services.RETRY_WINDOW + timedelta(minutes=1)
    services.expire_interrupted_import_files(now=later)
    job.refresh_from_db()
    assert not job.file and not job.file.storage.exists(kept) and not job.awaits_values
    job, rerun = services.map_import_values(
        actor=User.objects.get(username="banshi"),
        job=job,
        choices={_place(job, "role", "主犯"): "organiser"},
    )
    assert not rerun and job.status == ImportStatus.FAILED
    assert SenderMapping.objects.get().values == {"role": {"主犯": "organiser"}}


def test_a_word_mapped_to_a_suspect_is_raised_by_the_rows_remark_like_a_police_word(
    town: Unit,
) -> None:
    SenderMapping.objects.create(
        unit=town,
        kind=CASE_SHEET.key,
        sender=STATION,
        values={"role": {"嫌疑人(在逃)": "participant"}},
        updated_by=User.objects.get(username="banshi"),
    )
    job = services.import_cases_file(
        actor=User.objects.get(username="banshi"),
        unit=town,
        sender=STATION,
        file=xlsx_file(
            cases=[case_row(number="R-1")],
            persons=[
                [*person_row(number="R-1", name="王某", role="嫌疑人（在逃）"), "系纠集者"],
                [*person_row(number="R-1", name="李某", role="嫌疑人（在逃）"), ""],
            ],
            person_header=[*PERSON_HEADER, "备注"],
        ),
    )
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    assert dict(CasePerson.objects.values_list("name", "role")) == {
        "王某": PersonRole.GATHERER,
        "李某": PersonRole.PARTICIPANT,
    }


def test_skipping_refused_cases_still_lists_the_words_and_the_mapping_is_kept_for_next_time(
    town: Unit, client_as: ClientAs
) -> None:
    job = services.import_cases_file(
        actor=User.objects.get(username="banshi"),
        unit=town,
        sender=STATION,
        skip_rejected=True,
        file=xlsx_file(
            cases=[case_row(number="S-1"), case_row(number="S-2")],
            persons=[person_row(number="S-1"), person_row(number="S-2", role="主犯")],
        ),
    )
    assert job.status == ImportStatus.SUCCEEDED and job.cases_created == 1
    assert _words(job) == {("role", "主犯"): 1} and not job.file
    page = client_as("banshi").get(f"/cases/imports/{job.pk}/").content.decode()
    assert "保存对照（下次导入自动使用）" in page
    response = client_as("banshi").post(
        f"/cases/imports/{job.pk}/values/", {f"value_{_place(job, 'role', '主犯')}": "organiser"}
    )
    assert response.status_code == 302
    assert SenderMapping.objects.get(sender=STATION).values == {"role": {"主犯": "organiser"}}
    job.refresh_from_db()
    assert job.status == ImportStatus.SUCCEEDED and job.cases_created == 1


def test_the_command_line_reads_the_senders_mapping_and_the_form_starts_on_the_last_sender(
    town: Unit, client_as: ClientAs, tmp_path: Any
) -> None:
    first = _import(town)
    services.map_import_values(
        actor=User.objects.get(username="banshi"), job=first, choices=_choices(first, town)
    )
    path = tmp_path / "派出所导出.xlsx"
    path.write_bytes(_police_words().read())
    call_command(
        "import_cases", str(path), "--unit", "港西镇", "--sender", STATION, stdout=io.StringIO()
    )
    assert ImportJob.objects.filter(created_by=None, status=ImportStatus.SUCCEEDED).exists()
    page = client_as("banshi").get("/cases/imports/").content.decode()
    assert f'value="{STATION}"' in page


def test_a_long_cell_or_a_number_in_a_choice_column_is_refused_but_not_offered(town: Unit) -> None:
    job = services.import_cases_file(
        actor=User.objects.get(username="banshi"),
        unit=town,
        sender=STATION,
        file=xlsx_file(
            cases=[case_row(number="N-1")],
            persons=[
                person_row(number="N-1", name="王某", role="13912345678"),
                person_row(number="N-1", name="李某", role="主犯" * 30),
            ],
        ),
    )
    assert job.status == ImportStatus.FAILED and job.error_count == 2
    assert job.unknown_values == [] and not job.file


def test_a_refused_mapping_shows_again_what_the_clerk_chose_beside_each_word(
    town: Unit, client_as: ClientAs
) -> None:
    job = _import(town)
    chosen = _choices(job, town)
    refused = _place(job, "role", "嫌疑人（在逃）")
    form = {f"value_{place}": value for place, value in chosen.items()}
    form[f"value_{refused}"] = "boss"
    response = client_as("banshi").post(f"/cases/imports/{job.pk}/values/", form)
    page = response.content.decode()
    assert response.status_code == 200 and "请从列表中选择对应的值" in page
    assert "对照未保存" in page
    village = _village(town).pk
    # Every other word keeps the value the clerk picked: nothing to choose again.
    assert '<option value="organiser" selected>组织者</option>' in page
    assert '<option value="public_security" selected>' in page
    assert f'<option value="{village}" selected>东岛村</option>' in page
    assert not SenderMapping.objects.exists()
