"""`python -m saohei.bench assigned-lists`: a 交办清单 of max_list_rows() rows through the job.

Prints the time of each step and, on SQLite (where the bench's database is then a file), how
long another process's one-row writes waited while the job wrote (decision 0061, addendum)."""

import contextlib
import io
import time
from datetime import date, timedelta
from pathlib import Path

from openpyxl import Workbook

from saohei.common.writer_probe import other_writer


def _sheet(rows: int, *, content: str) -> io.BytesIO:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("清单")
    sheet.append(["交办编号", "交办日期", "反馈期限", "被反映人", "问题内容"])
    received = f"{date.today() - timedelta(days=3):%Y-%m-%d}"
    deadline = f"{date.today() + timedelta(days=20):%Y-%m-%d}"
    for number in range(1, rows + 1):
        sheet.append([f"JZ-{number:05d}", received, deadline, f"王某{number}", content])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def bench_list_import() -> None:
    from django.db import connection

    from saohei.assigned_lists import services
    from saohei.health.jobs import JobStatus
    from saohei.leads.models import Source
    from saohei.organisations.models import Unit, User

    town = Unit.objects.get(name="港西镇")
    clerk = User.objects.get(username="banshi")
    rows = services.max_list_rows()
    for label, content in (
        (f"交办清单 job: {rows} new leads", "有人在码头强行收取渔船停靠费"),
        (f"交办清单 job: {rows} corrected leads", "有人在码头强行收取渔船停靠费，并殴打船主"),
    ):
        started = time.perf_counter()
        staged = services.stage_list(
            actor=clerk,
            unit=town,
            sender="基准交办单位",
            source=Source.UPPER_ASSIGNED,
            file=_sheet(rows, content=content),
            file_name="基准清单.xlsx",
        )
        staging = time.perf_counter() - started
        started = time.perf_counter()
        job = services.submit_list_import(actor=clerk, staged=staged)
        submitting = time.perf_counter() - started
        other = (
            other_writer(Path(connection.settings_dict["NAME"]))
            if connection.vendor == "sqlite"
            else contextlib.nullcontext()
        )
        with other as waits:
            started = time.perf_counter()
            job = services.run_list_import_job(job_id=job.pk)
            elapsed = time.perf_counter() - started
        if job.status != JobStatus.SUCCEEDED:
            print(f"{label}: FAILED {job.message}")
            return
        print(
            f"{label:<44} {rows:>8} rows in {elapsed:7.2f} s  = {rows / elapsed:10.0f} /s"
            f"  (upload {staging:.2f} s, 确认导入 {submitting:.2f} s)"
        )
        if waits is not None:
            print(
                f"{'  another writer, longest wait (SQLite)':<44} "
                f"{waits()['longest_wait']:8.2f} s ({waits()['writes']:.0f} one-row writes)"
            )
