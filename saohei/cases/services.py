"""Every state change of the 倒查 context: imports (all-or-nothing), reviews and 涉案人员 added
by hand, each audited."""

import json
import tempfile
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO, Any, TypeVar

from django.core.files import File
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from saohei.audit.models import AuditAction, AuditResult
from saohei.audit.services import record_event
from saohei.cases import access, exports, importing, staging
from saohei.cases.kinds import CASE_SHEET
from saohei.cases.models import (
    PERPETRATOR_ROLES,
    REJECTED_ROWS_DATA,
    Case,
    CasePerson,
    CasePersonPlate,
    CaseReview,
    ImportJob,
    ImportStatus,
    PersonRole,
    ReviewConclusion,
)
from saohei.cases.queries import CaseFilters
from saohei.common.bulk import insert_rows
from saohei.common.changes import people_changed
from saohei.common.crypto import encrypt_text
from saohei.common.dates import DateKind, check_date
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.common.models import store_plates
from saohei.common.phones import is_mobile
from saohei.common.plates import clean_plates
from saohei.common.sqlite import sqlite_pragmas
from saohei.common.validation import checked_text
from saohei.health.jobs import claim_job, fail_interrupted_jobs, set_job_fields
from saohei.leads.models import (
    Channel,
    DictionaryEntry,
    DictionaryKind,
    Lead,
    Source,
    SubjectRole,
)
from saohei.leads.services import LeadInput, SubjectInput, register_lead
from saohei.organisations.models import Unit, UnitKind, User
from saohei.sheets import services as sheet_services

T = TypeVar("T")
# Rows per INSERT/UPDATE batch: large enough to be fast, small enough for the parameter limits.
WRITE_BATCH = 1000
DELETE_BATCH = 500
CASE_UPDATE_FIELDS = [
    "cause",
    "nature",
    "occurred_on",
    "occurred_time",
    "place",
    "village",
    "summary",
    "outcome",
    "means",
    "motive",
    "import_job",
    "updated_at",
]


def _batches(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _name_of(upload: IO[bytes]) -> str:
    return Path(str(getattr(upload, "name", "") or "上传文件")).name[:200]


@transaction.atomic
def create_import_job(
    *,
    actor: User | None,
    unit: Unit,
    file: IO[bytes],
    persons_file: IO[bytes] | None = None,
    skip_rejected: bool = False,
    sender: str = "",
) -> ImportJob:
    """A pending import for a town: an .xlsx workbook, or a 案件 CSV with an optional 涉案人员
    CSV. `actor` None is the server's command line (already trusted by shell access)."""
    if unit.kind != UnitKind.TOWN:
        raise ServiceError("案件应导入到镇（街道）", field="unit")
    if actor is not None and not access.can_import(actor, unit):
        raise ActionNotAllowed("只有本镇扫黑办、领导小组成员或本镇派出所民警可以导入案件")
    # The key of the sender's value mapping: one line of text, like any other.
    sender = checked_text(sender, field="sender", label="来文单位", limit=100)
    name = _name_of(file)
    kind = importing.detect_kind(file, name)
    job = ImportJob(
        unit=unit,
        created_by=actor,
        file_name=name,
        file_sha256=importing.sha256_of(file),
        skip_rejected=skip_rejected,
        sender=sender,
    )
    if persons_file is not None:
        persons_name = _name_of(persons_file)
        if kind != importing.CSV:
            raise ServiceError(
                "上传 Excel 工作簿时，涉案人员应放在同一工作簿的“涉案人员”工作表中",
                field="persons_file",
            )
        if importing.detect_kind(persons_file, persons_name, field="persons_file") != importing.CSV:
            raise ServiceError("涉案人员文件应为 .csv 文件", field="persons_file")
        job.persons_file_name = persons_name
        job.persons_file_sha256 = importing.sha256_of(persons_file)
        job.persons_file.save(f"{uuid.uuid4().hex}.csv", File(persons_file), save=False)
    job.file.save(f"{uuid.uuid4().hex}.{kind}", File(file), save=False)
    job.save()
    return job


def submit_case_import(
    *,
    actor: User,
    unit: Unit,
    file: IO[bytes],
    persons_file: IO[bytes] | None = None,
    skip_rejected: bool = False,
    sender: str = "",
) -> ImportJob:
    """From the page or the API: the job is stored now and run by a worker after commit."""
    # Imported here: the task module calls back into this one.
    from saohei.cases.tasks import run_case_import

    with transaction.atomic():
        job = create_import_job(
            actor=actor,
            unit=unit,
            file=file,
            persons_file=persons_file,
            skip_rejected=skip_rejected,
            sender=sender,
        )
        transaction.on_commit(lambda: run_case_import.enqueue(job_id=job.pk))
    return job


_set = set_job_fields


def run_import_job(*, job_id: int, worker_id: str = "") -> ImportJob:
    """Check every row, then write all of it in one transaction — or nothing, listing every bad
    row. Safe to run twice: only a pending job is claimed. `worker_id`, the task worker running
    it, lets `fail_interrupted_imports` tell a job whose worker died from one still running.

    A job that ends here, well or not, has its files deleted, but for one refused with words the
    clerk can map (kept for `map_import_values`); one whose process is killed keeps them (the
    `finally` never runs) for `retry_import`."""
    claimed = claim_job(ImportJob, pk=job_id, worker_id=worker_id)
    job = ImportJob.objects.select_related("unit", "created_by").get(pk=job_id)
    if not claimed:
        return job
    keep_files = False
    try:
        parsed = _parse(job)
        _set(job, **_words_of(parsed))
        if parsed.is_valid:
            _set(job, status=ImportStatus.WRITING, processed_rows=parsed.processed_rows)
            _write(job, parsed)
        elif job.skip_rejected and parsed.only_row_errors and parsed.skip_rejected():
            # Asked for at upload: the cases without a problem go in, the rest come back.
            _set(
                job,
                status=ImportStatus.WRITING,
                processed_rows=parsed.processed_rows,
                errors=[error.as_dict() for error in parsed.errors],
                error_count=parsed.error_count,
                **_sealed_rejected_rows(job, parsed),
            )
            _write(job, parsed)
        else:
            _fail(
                job,
                message=f"发现 {parsed.error_count} 处错误，未导入任何数据",
                parsed=parsed,
                rejected=_sealed_rejected_rows(job, parsed),
            )
            keep_files = bool(parsed.unknown)
    except importing.UnreadableFile as error:
        _fail(job, message=error.message)
    except IntegrityError:
        _fail(job, message="与同时进行的另一次导入冲突，未导入任何数据，请重新导入")
    except Exception:
        _fail(job, message="导入时发生内部错误，未导入任何数据，请联系系统管理员")
        raise
    finally:
        if not keep_files:
            _delete_files(job)
    return job


def _words_of(parsed: importing.ParsedImport) -> dict[str, list[dict[str, Any]]]:
    return {
        "unknown_values": [word.as_dict() for word in parsed.unknown.values()],
        "remembered_values": [word.as_dict() for word in parsed.remembered.values()],
    }


# How long an interrupted job keeps its files (ID numbers in clear) for a retry (decision 0048).
RETRY_WINDOW = timedelta(hours=24)
INTERRUPTED_MESSAGE = "导入被中断（后台任务进程意外停止），未导入任何数据。24 小时内可点击“重新导入”，无需再次上传文件"


def fail_interrupted_imports(*, jobs: Iterable[ImportJob] | None = None) -> int:
    """Mark failed every unfinished job (of `jobs`, or of all) whose task worker has stopped
    beating: a killed worker leaves its job "校验中" or "写入中" for ever otherwise. Nothing was
    written (the write is one transaction, rolled back with the process); the files stay for a
    retry. Returns how many jobs were marked."""
    candidates = ImportJob.objects.all()
    if jobs is not None:
        candidates = candidates.filter(pk__in=[job.pk for job in jobs])

    def record(job: ImportJob) -> None:
        record_event(
            action=AuditAction.CASES_IMPORTED,
            actor=job.created_by,
            unit=job.unit,
            target=job,
            result=AuditResult.FAILURE,
            details={"interrupted": True, "file_sha256": job.file_sha256},
        )

    return fail_interrupted_jobs(candidates, message=INTERRUPTED_MESSAGE, on_marked=record)


def retry_import(*, actor: User, job: ImportJob) -> ImportJob:
    """Run an interrupted job again from the files it kept: no new upload."""
    # Imported here: the task module calls back into this one.
    from saohei.cases.tasks import run_case_import

    if not access.can_import(actor, job.unit):
        raise ActionNotAllowed("您无权导入该镇的治安案件")
    with transaction.atomic():
        restarted = (
            ImportJob.objects.filter(
                pk=job.pk, status=ImportStatus.FAILED, interrupted_at__isnull=False
            )
            .exclude(file="")
            .update(
                status=ImportStatus.PENDING,
                started_at=None,
                finished_at=None,
                interrupted_at=None,
                worker_id="",
                total_rows=0,
                processed_rows=0,
                errors=[],
                error_count=0,
                message="",
                rejected_rows_key="",
                rejected_rows_sealed="",
                unknown_values=[],
                remembered_values=[],
            )
        )
        if not restarted:
            raise ServiceError(
                "这次导入不能重新开始（已完成、未中断，或文件已过保留期），请重新上传文件"
            )
        job.refresh_from_db()
        record_event(
            action=AuditAction.CASES_IMPORT_RETRIED,
            actor=actor,
            unit=job.unit,
            target=job,
            details={"file_sha256": job.file_sha256},
        )
        transaction.on_commit(lambda: run_case_import.enqueue(job_id=job.pk))
    return job


def map_import_values(
    *, actor: User, job: ImportJob, choices: Mapping[int, str]
) -> tuple[ImportJob, bool]:
    """取值对照: the value the clerk chose for each unknown word of an import (by its place in
    `job.unknown_values`; empty = not yet) is remembered for the job's town and sender, and a
    refused job that kept its files is checked again without a new upload. Returns the job
    and whether it was started again."""
    # Imported here: the task module calls back into this one.
    from saohei.cases.tasks import run_case_import

    if not access.can_import(actor, job.unit):
        raise ActionNotAllowed("您无权导入该镇的治安案件")
    with transaction.atomic():
        current = ImportJob.objects.select_for_update().get(pk=job.pk)
        words = current.unknown_values or []
        if any(not 0 <= place < len(words) for place in choices):
            raise ServiceError("取值对照已变化，请刷新页面后重新选择")
        values: dict[str, dict[str, str]] = {}
        for place, value in choices.items():
            if value:
                word = words[place]
                values.setdefault(word["field"], {})[word["word"]] = value
        # The sender is the job's own: a mapping is never saved for a sender named in the form.
        sheet_services.save_value_mapping(
            actor=actor,
            unit=current.unit,
            kind=CASE_SHEET,
            sender=current.sender,
            values=values,
            may_import=access.can_import,
        )
        rerun = current.awaits_values
        if rerun:
            ImportJob.objects.filter(pk=current.pk).update(
                status=ImportStatus.PENDING,
                started_at=None,
                finished_at=None,
                worker_id="",
                total_rows=0,
                processed_rows=0,
                errors=[],
                error_count=0,
                message="",
                rejected_rows_key="",
                rejected_rows_sealed="",
                unknown_values=[],
                remembered_values=[],
            )
            record_event(
                action=AuditAction.CASES_IMPORT_RETRIED,
                actor=actor,
                unit=current.unit,
                target=current,
                details={
                    "file_sha256": current.file_sha256,
                    "mapped_values": sum(len(found) for found in values.values()),
                },
            )
            transaction.on_commit(lambda: run_case_import.enqueue(job_id=current.pk))
    job.refresh_from_db()
    return job, rerun


def expire_interrupted_import_files(*, now: datetime | None = None) -> int:
    """Delete the files of jobs interrupted longer ago than RETRY_WINDOW, and the refused rows
    of jobs that finished longer ago than that (the hourly job): both hold ID numbers in clear.
    Returns how many interrupted jobs lost their files."""
    cutoff = (now or timezone.now()) - RETRY_WINDOW
    ImportJob.objects.filter(finished_at__lt=cutoff).exclude(rejected_rows_sealed="").update(
        rejected_rows_key="", rejected_rows_sealed=""
    )
    expired = ImportJob.objects.filter(
        status=ImportStatus.FAILED, interrupted_at__lt=cutoff
    ).exclude(file="")
    count = 0
    for job in expired:
        _delete_files(job)
        _set(job, message="导入被中断，未导入任何数据；文件已过 24 小时保留期删除，请重新上传")
        count += 1
    # Refused jobs kept for the 取值对照 (decision 0065): the mapping can still be saved, for the
    # sender's next import, but this file is gone.
    awaiting = ImportJob.objects.filter(
        status=ImportStatus.FAILED, interrupted_at__isnull=True, finished_at__lt=cutoff
    ).exclude(file="")
    for job in awaiting:
        _delete_files(job)
    return count


@contextmanager
def _job_tables(job: ImportJob) -> Iterator[list[importing.Table]]:
    kind = importing.XLSX if (job.file.name or "").endswith(".xlsx") else importing.CSV
    with job.file.open("rb") as file:
        persons = job.persons_file.open("rb") if job.persons_file else None
        try:
            with importing.open_tables(file, kind, persons) as tables:
                yield tables
        finally:
            if persons is not None:
                persons.close()


def _parse(job: ImportJob) -> importing.ParsedImport:
    unit = job.unit
    villages = dict(Unit.objects.filter(parent=unit).villages().active().values_list("name", "pk"))
    stored = set(Case.objects.filter(unit=unit).values_list("number", flat=True))
    saved = sheet_services.saved_mapping(unit=unit, kind=CASE_SHEET, sender=job.sender)
    columns = {}
    for table, kind in importing.TABLE_KINDS.items():
        found = sheet_services.saved_mapping(unit=unit, kind=kind, sender=job.sender)
        if found is not None:
            columns[table] = found.columns
    with _job_tables(job) as tables:
        _set(job, total_rows=sum(table.estimated_rows for table in tables))
        return importing.parse_tables(
            tables,
            villages=villages,
            town_name=unit.name,
            stored_numbers=stored,
            today=timezone.localdate(),
            progress=lambda processed: _set(job, processed_rows=processed),
            values=saved.values if saved is not None else None,
            columns=columns,
        )


def _sealed_rejected_rows(job: ImportJob, parsed: importing.ParsedImport) -> dict[str, str]:
    """The rows to give back with their messages (read again from the upload, which is still
    there), sealed: they hold ID numbers in clear. Nothing when no data row was refused (a
    missing column, an empty file)."""
    if not parsed.rejected_rows:
        return {"rejected_rows_key": "", "rejected_rows_sealed": ""}
    with _job_tables(job) as tables:
        rows = exports.rejected_rows(parsed, importing.collect_rejected(tables, parsed))
    if not rows:
        return {"rejected_rows_key": "", "rejected_rows_sealed": ""}
    key_id, sealed = encrypt_text(
        json.dumps(rows, ensure_ascii=False), associated_data=REJECTED_ROWS_DATA
    )
    return {"rejected_rows_key": key_id, "rejected_rows_sealed": sealed}


def _fail(
    job: ImportJob,
    *,
    message: str,
    parsed: importing.ParsedImport | None = None,
    rejected: dict[str, str] | None = None,
) -> None:
    with transaction.atomic():
        _set(
            job,
            status=ImportStatus.FAILED,
            finished_at=timezone.now(),
            message=message[:500],
            errors=[error.as_dict() for error in parsed.errors] if parsed else [],
            error_count=parsed.error_count if parsed else 0,
            **(rejected or {}),
        )
        record_event(
            action=AuditAction.CASES_IMPORTED,
            actor=job.created_by,
            unit=job.unit,
            target=job,
            result=AuditResult.FAILURE,
            details={"errors": job.error_count, "file_sha256": job.file_sha256},
        )


def _update_sql() -> str:
    """One prepared UPDATE of the re-imported columns by id, for executemany. Django's
    bulk_update builds a CASE per column per batch and costs milliseconds a row: minutes for a
    re-imported 100,000."""
    meta = Case._meta
    fields = [field for field in staging.CASE_COLUMNS.fields if field.name in CASE_UPDATE_FIELDS]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(str(field.column))} = %s" for field in fields)
    # Names come from the model; every value is a parameter.
    return (
        f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(str(meta.pk.column))} = %s"  # noqa: S608
    )


def _delete_persons_of(case_ids: Sequence[int]) -> None:
    """Plates, then persons, one statement each: Django's cascade would first fetch every person
    row to find its plates (measured: a re-import of 10,000 cases took twice as long)."""
    CasePersonPlate.objects.filter(person__case_id__in=case_ids).delete()
    persons = CasePerson.objects.filter(case_id__in=case_ids)
    persons._raw_delete(persons.db)


def _write(job: ImportJob, parsed: importing.ParsedImport) -> None:
    """Every row prepared with nothing locked (`staging`), then all of them written in one short
    transaction: cases created or updated by (town, 案件编号); the persons of every case the
    import touches replaced when it carries a 涉案人员 table. All or nothing, as before; on
    SQLite other writers now wait for the writing only, not for the preparing."""
    with tempfile.TemporaryDirectory(prefix="saohei-import-") as scratch:
        staged = staging.stage(job, parsed, Path(scratch))
        skipped = parsed.skipped_rows
        # The rows are in the scratch database now and nothing reads them again: let them go
        # before the commit's page cache grows (the largest workbook's peak stays under target).
        parsed.cases.clear()
        parsed.persons.clear()
        _commit(job, staged, skipped=skipped)


@dataclass
class _Written:
    created: int = 0
    updated: int = 0
    persons: int = 0
    plates: int = 0
    # The ids of every case the import touched, for the analysis outbox.
    case_ids: list[int] = field(default_factory=list)


def _commit(job: ImportJob, staged: staging.StagedRows, *, skipped: int = 0) -> None:
    # SQLite attaches the scratch database and copies in SQL; an attachment is only possible
    # outside a transaction (a test's, say), where the batches are copied as on PostgreSQL.
    attached = connection.vendor == "sqlite" and not connection.in_atomic_block
    if attached:
        with connection.cursor() as cursor:
            cursor.execute(f"ATTACH DATABASE %s AS {staging.SCHEMA}", [str(staged.path)])
    try:
        with _roomy_page_cache(), transaction.atomic():
            # Serialises imports per town on PostgreSQL (SQLite's IMMEDIATE transactions
            # already do); NO KEY, so rows that refer to the town can still be written.
            Unit.objects.select_for_update(no_key=True).filter(pk=job.unit_id).first()
            written = _copy_attached(job, staged) if attached else _copy_batches(job, staged)
            people_changed("case", written.case_ids)
            _set(
                job,
                status=ImportStatus.SUCCEEDED,
                finished_at=timezone.now(),
                cases_created=written.created,
                cases_updated=written.updated,
                persons_written=written.persons,
                message=(
                    f"导入成功：新增 {written.created} 起，更新 {written.updated} 起，"
                    f"涉案人员 {written.persons} 人"
                    + (
                        f"；有错误的案件未导入（共 {skipped} 行），请下载未通过校验的行，改正后再导入"
                        if skipped
                        else ""
                    )
                ),
            )
            record_event(
                action=AuditAction.CASES_IMPORTED,
                actor=job.created_by,
                unit=job.unit,
                target=job,
                details={
                    "created": written.created,
                    "updated": written.updated,
                    "persons": written.persons,
                    "plates": written.plates,
                    "skipped_rows": skipped,
                    "file_sha256": job.file_sha256,
                },
            )
    finally:
        if attached:
            with connection.cursor() as cursor:
                cursor.execute(f"DETACH DATABASE {staging.SCHEMA}")


# While the import holds SQLite's write lock, a person's row goes into seven indexes, four of
# them of random keys (blind indexes); in the default 2 MB page cache they spill to the WAL and
# are read back mid-transaction. Measured at 100,000 rows (`make bench`, import-memory): another
# writer's longest wait 1.47 s with the default, 1.17-1.34 s with 48 MB, 1.13 s with 64 MB; the
# peak memory 217, 269-272 and 290 MB against the 300 MB target. 48 MB keeps a margin.
IMPORT_PAGE_CACHE_KIB = 49_152


def _roomy_page_cache() -> AbstractContextManager[None]:
    return sqlite_pragmas(main__cache_size=-IMPORT_PAGE_CACHE_KIB)


def _tables() -> tuple[str, str, str]:
    quote = connection.ops.quote_name
    return (
        quote(Case._meta.db_table),
        quote(CasePerson._meta.db_table),
        quote(CasePersonPlate._meta.db_table),
    )


def _copy_attached(job: ImportJob, staged: staging.StagedRows) -> _Written:
    """SQLite: every staged row copied by SQL from the attached scratch database. Table and
    column names come from the models and the staging module; the one value, the town, is a
    parameter."""
    quote = connection.ops.quote_name
    cases, persons, plates = _tables()
    source = f"{staging.SCHEMA}.{staging.CASE_TABLE}"
    people = f"{staging.SCHEMA}.{staging.PERSON_TABLE}"
    columns = staging.CASE_COLUMNS
    names = [quote(name) for name in columns.names]
    assignments = ", ".join(
        f"{name} = s.{value}"
        for name, value, model_field in zip(names, staged.case_values, columns.fields, strict=True)
        if model_field.name in CASE_UPDATE_FIELDS
    )
    unit = [job.unit_id]
    written = _Written()
    touched = (
        f"SELECT c.id FROM {cases} AS c WHERE c.unit_id = %s AND c.number IN "  # noqa: S608
        f"(SELECT number FROM {source} UNION SELECT case_number FROM {people})"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {cases} SET {assignments} FROM {source} AS s "  # noqa: S608
            f"WHERE {cases}.unit_id = %s AND {cases}.number = s.number",
            unit,
        )
        written.updated = cursor.rowcount
        cursor.execute(
            f"INSERT INTO {cases} ({', '.join(names)}) "  # noqa: S608
            f"SELECT {', '.join(f's.{value}' for value in staged.case_values)} FROM {source} AS s "
            f"WHERE NOT EXISTS (SELECT 1 FROM {cases} AS c "
            "WHERE c.unit_id = %s AND c.number = s.number) ORDER BY s.rowid",
            unit,
        )
        written.created = cursor.rowcount
        if staged.has_person_table:
            cursor.execute(
                f"DELETE FROM {plates} WHERE person_id IN "  # noqa: S608
                f"(SELECT id FROM {persons} WHERE case_id IN ({touched}))",
                unit,
            )
            cursor.execute(f"DELETE FROM {persons} WHERE case_id IN ({touched})", unit)  # noqa: S608
            person_names = [quote(name) for name in staging.PERSON_COLUMNS.names]
            cursor.execute(
                f"INSERT INTO {persons} (case_id, {', '.join(person_names)}) "  # noqa: S608
                f"SELECT c.id, {', '.join(f'p.{value}' for value in staged.person_values)} "
                f"FROM {people} AS p JOIN {cases} AS c "
                "ON c.unit_id = %s AND c.number = p.case_number "
                "WHERE p.plates = '' ORDER BY p.seq",
                unit,
            )
            written.persons = cursor.rowcount
        cursor.execute(touched, unit)
        written.case_ids = [row[0] for row in cursor.fetchall()]
    if staged.has_person_table:
        with_plates, plate_count = _persons_with_plates(job, staged)
        written.persons += with_plates
        written.plates = plate_count
    return written


def _persons_with_plates(job: ImportJob, staged: staging.StagedRows) -> tuple[int, int]:
    """The (few) staged persons with plates, through the ORM, which gives back their ids for
    the plates on both engines. Returns (persons, plates) written."""
    attnames = [field.attname for field in staging.PERSON_COLUMNS.fields]
    persons = plates = 0
    for batch in staged.rows(staging.PERSON_TABLE, where="WHERE plates != ''"):
        case_ids = dict(
            Case.objects.filter(
                unit_id=job.unit_id, number__in={row[1] for row in batch}
            ).values_list("number", "pk")
        )
        made = CasePerson.objects.bulk_create(
            [
                CasePerson(case_id=case_ids[row[1]], **dict(zip(attnames, row[3:], strict=True)))
                for row in batch
            ]
        )
        plates += store_plates(
            CasePersonPlate, zip(made, [staged.plates_of(row[2]) for row in batch], strict=True)
        )
        persons += len(batch)
    return persons, plates


def _copy_batches(job: ImportJob, staged: staging.StagedRows) -> _Written:
    """PostgreSQL (and SQLite inside an outer transaction): the staged rows read back a batch
    at a time and written with `executemany`."""
    columns = staging.CASE_COLUMNS
    updated_at = [i for i, f in enumerate(columns.fields) if f.name in CASE_UPDATE_FIELDS]
    existing = dict(Case.objects.filter(unit_id=job.unit_id).values_list("number", "pk"))
    touched: set[str] = set()
    written = _Written()
    with connection.cursor() as cursor:
        for batch in staged.rows(staging.CASE_TABLE):
            new = [row[1:] for row in batch if row[0] not in existing]
            old = [
                [row[1 + i] for i in updated_at] + [existing[row[0]]]
                for row in batch
                if row[0] in existing
            ]
            insert_rows(Case, columns.field_names, new, adapted=True)
            if old:
                cursor.executemany(_update_sql(), old)
            touched.update(row[0] for row in batch)
            written.created += len(new)
            written.updated += len(old)
    case_ids = (
        dict(Case.objects.filter(unit_id=job.unit_id).values_list("number", "pk"))
        if written.created
        else existing
    )
    if staged.has_person_table:
        written.persons, written.plates = _replace_persons(job, staged, existing, case_ids, touched)
    written.case_ids = [case_ids[number] for number in touched if number in case_ids]
    return written


def _replace_persons(
    job: ImportJob,
    staged: staging.StagedRows,
    existing: dict[str, int],
    case_ids: dict[str, int],
    touched: set[str],
) -> tuple[int, int]:
    """The persons of every touched case that existed go; the staged ones come in, those
    without plates (most) by `executemany`. Returns (persons, plates) written."""
    for batch in staged.rows(staging.PERSON_TABLE):
        touched.update(row[1] for row in batch)
    stale = [existing[number] for number in touched if number in existing]
    for id_batch in _batches(stale, DELETE_BATCH):
        _delete_persons_of(id_batch)
    names = ["case", *staging.PERSON_COLUMNS.field_names]
    persons = 0
    for batch in staged.rows(staging.PERSON_TABLE, where="WHERE plates = ''"):
        insert_rows(
            CasePerson, names, [(case_ids[row[1]], *row[3:]) for row in batch], adapted=True
        )
        persons += len(batch)
    with_plates, plates = _persons_with_plates(job, staged)
    return persons + with_plates, plates


def _delete_files(job: ImportJob) -> None:
    # The upload holds ID numbers in clear; only its digest is kept once it has been read.
    fields = {}
    for name in ("file", "persons_file"):
        stored = getattr(job, name)
        if stored:
            stored.storage.delete(stored.name)
            fields[name] = ""
    if fields:
        _set(job, **fields)


def import_cases_file(
    *,
    actor: User | None,
    unit: Unit,
    file: IO[bytes],
    persons_file: IO[bytes] | None = None,
    skip_rejected: bool = False,
    sender: str = "",
) -> ImportJob:
    """Import now, in this process (the shell command and the demo): same checks, same writes."""
    job = create_import_job(
        actor=actor,
        unit=unit,
        file=file,
        persons_file=persons_file,
        skip_rejected=skip_rejected,
        sender=sender,
    )
    return run_import_job(job_id=job.pk)


@transaction.atomic
def review_case(
    *,
    actor: User,
    case: Case,
    conclusion: str,
    reviewed_on: date,
    notes: str,
    is_gang: bool = False,
    organiser: str = "",
) -> CaseReview:
    """倒查: the office records its conclusion on a case; 转为线索 registers a lead (source
    治安案件倒查) and links it. A review that became a lead is final."""
    if not access.can_review(actor, case):
        raise ActionNotAllowed("只有本镇扫黑办工作人员或领导小组组长、副组长可以倒查案件")
    review = CaseReview.objects.select_for_update().filter(case=case).first()
    if review is not None and review.lead_id is not None:
        raise ServiceError("该案件已转为线索，倒查结论不能再修改", field="conclusion")
    if conclusion not in ReviewConclusion.values:
        raise ServiceError("请选择倒查结论", field="conclusion")
    check_date(reviewed_on, kind=DateKind.EVENT, label="倒查日期", field="reviewed_on")
    if reviewed_on < case.occurred_on:
        raise ServiceError("倒查日期不能早于发案日期", field="reviewed_on")
    if len(notes.strip()) < 10:
        raise ServiceError("请写明倒查意见（至少10个字）", field="notes")
    organiser = organiser.strip()
    if len(organiser) > 50:
        raise ServiceError("纠集者不能超过50个字", field="organiser")
    if organiser and not is_gang:
        raise ServiceError("填写纠集者时应勾选“是否团伙”", field="organiser")

    if review is None:
        review = CaseReview(case=case)
    review.conclusion = conclusion
    review.reviewed_on = reviewed_on
    review.notes = notes.strip()
    review.is_gang = is_gang
    review.organiser = organiser
    review.reviewer = actor
    if conclusion == ReviewConclusion.TO_LEAD:
        review.lead = _register_lead_from(actor=actor, case=case, review=review)
    review.save()
    case.review = review
    record_event(
        action=AuditAction.CASE_REVIEWED,
        actor=actor,
        unit=case.unit,
        target=case,
        details={
            "conclusion": conclusion,
            "is_gang": is_gang,
            "lead": review.lead.number if review.lead else "",
        },
    )
    return review


def _mobile_of(person: CasePerson) -> str:
    phone = person.unsealed_phone()
    return phone if is_mobile(phone) else ""


def _register_lead_from(*, actor: User, case: Case, review: CaseReview) -> Lead:
    """The case's perpetrators become the lead's subjects (identifiers re-sealed by leads)."""
    subjects = [
        SubjectInput(
            name=person.name,
            id_number=person.unsealed_id_number(),
            # A subject carries one mobile: the person's, when the police gave one (it is
            # stored first); a fixed line stays with the case.
            phone=_mobile_of(person),
            address=person.address,
            village=case.village,
            role=SubjectRole.INVOLVED,
            position=person.get_role_display(),
            plates=[plate.number for plate in person.plates.all()],
        )
        for person in case.persons.filter(role__in=PERPETRATOR_ROLES).prefetch_related("plates")
    ]
    occurred = f"{case.occurred_on:%Y-%m-%d}" + (
        f" {case.occurred_time:%H:%M}" if case.occurred_time else ""
    )
    narrative = "\n".join(
        line
        for line in [
            f"案件编号：{case.number}（{case.get_nature_display()}）",
            f"发案时间：{occurred}",
            f"发案地点：{case.place}" if case.place else "",
            f"简要案情：{case.summary}" if case.summary else "",
            f"处理结果：{case.outcome}" if case.outcome else "",
            f"纠集者：{review.organiser}" if review.organiser else "",
            f"倒查意见：{review.notes}",
        ]
        if line
    )
    return register_lead(
        actor=actor,
        unit=case.unit,
        data=LeadInput(
            received_at=timezone.now(),
            channel=Channel.IN_PERSON,
            source=Source.CASE_REVIEW,
            summary=f"治安案件倒查转线索：{case.number} {case.cause}"[:500],
            narrative=narrative,
            village=case.village,
            place=case.place,
            offence_types=list(
                DictionaryEntry.objects.filter(
                    kind=DictionaryKind.OFFENCE_TYPE, name=case.cause, is_active=True
                )
            ),
            subjects=subjects,
        ),
    )


@transaction.atomic
def record_ledger_export(
    *, actor: User, count: int, filters: CaseFilters, ip_address: str | None = None
) -> None:
    """Every export of the 案件倒查台账 is audited, with its size and the filters used."""
    record_event(
        action=AuditAction.CASES_EXPORTED,
        actor=actor,
        ip_address=ip_address,
        details={
            "cases": count,
            "filters": {key: value for key, value in asdict(filters).items() if value},
        },
    )


@transaction.atomic
def record_rejected_rows_download(
    *, actor: User, job: ImportJob, rows: int, ip_address: str | None = None
) -> None:
    """A refused import's rows hold ID numbers in clear: every download is audited (counts)."""
    record_event(
        action=AuditAction.CASES_EXPORTED,
        actor=actor,
        unit=job.unit,
        target=job,
        ip_address=ip_address,
        details={"rejected_rows": rows, "file_sha256": job.file_sha256},
    )


@dataclass(frozen=True)
class CasePersonInput:
    name: str
    role: str
    id_number: str = ""
    phone: str = ""
    address: str = ""
    # Plates as typed or already cleaned; stored in their normal form.
    plates: Sequence[str] = ()


@transaction.atomic
def add_case_person(*, actor: User, case: Case, person: CasePersonInput) -> CasePerson:
    """A 涉案人员 the office reads in the 简要案情, sealed like an imported one. A later import
    that carries a 涉案人员 table for this case replaces it with the police's rows."""
    if not access.can_add_person(actor, case):
        raise ActionNotAllowed("只有本镇扫黑办工作人员或领导小组组长、副组长可以添加涉案人员")
    name = checked_text(person.name, field="name", label="姓名", limit=50)
    if not name:
        raise ServiceError("请填写涉案人员姓名", field="name")
    if person.role not in PersonRole.values:
        raise ServiceError("请选择涉案人员的角色", field="role")
    added = CasePerson(
        case=case,
        name=name,
        role=person.role,
        address=checked_text(person.address, field="address", label="住址", limit=200),
    )
    if person.id_number.strip():
        added.seal_id_number(person.id_number)
    if person.phone.strip():
        added.seal_phone(person.phone)
    numbers = clean_plates(person.plates)
    added.save()
    store_plates(CasePersonPlate, [(added, numbers)])
    people_changed("case", [case.pk])
    # Counts only: identifiers and plates stay out of the audit log.
    record_event(
        action=AuditAction.CASE_PERSON_ADDED,
        actor=actor,
        unit=case.unit,
        target=case,
        details={
            "person_id": added.pk,
            "role": added.role,
            "has_id_number": bool(added.id_number_index),
            "has_mobile": bool(added.phone_index),
            "plates": len(numbers),
        },
    )
    return added
