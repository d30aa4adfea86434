"""The one reminder ladder of every deadline (催办 → 督办), run by the hourly job; idempotent.

Each context hands it its own records and a `remind` that sends one step to its own people;
the ladder decides which step is due and logs it once (decision 0038).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import TypeVar

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction

from saohei.deadlines.models import ReminderKind, ReminderLog
from saohei.workdays.calendar import WorkingCalendar

# The first reminder goes out this many working days before the deadline.
REMIND_AHEAD_WORKING_DAYS = 3
# Overdue this many working days, a 催办 becomes a 督办 to the leaders (configurable later).
SUPERVISE_AFTER_WORKING_DAYS = 5


@dataclass
class ReminderRun:
    reminded: int = 0
    urged: int = 0
    supervised: int = 0


Chased = TypeVar("Chased", bound=models.Model)


def climb_ladder(
    records: Iterable[Chased],
    *,
    due_on: Callable[[Chased], date],
    remind: Callable[[Chased, ReminderKind], None],
    today: date,
    calendar: WorkingCalendar,
) -> ReminderRun:
    """T-3 and T-0 reminders, then 催办 once overdue and 督办 after
    `SUPERVISE_AFTER_WORKING_DAYS`; each step once per record and deadline.

    `records` are those due within `REMIND_AHEAD_WORKING_DAYS` or overdue; `remind` sends one
    step (its notices, events and audit) inside the transaction that logs it.
    """
    run = ReminderRun()
    in_three = calendar.add_working_days(today, REMIND_AHEAD_WORKING_DAYS)
    for record in records:
        due = due_on(record)
        send = partial(_send_once, record, due_on=due, remind=remind)
        if (due == in_three and send(kind=ReminderKind.THREE_DAYS)) or (
            due == today and send(kind=ReminderKind.DUE_TODAY)
        ):
            run.reminded += 1
        elif due < today:
            if calendar.working_days_between(due, today) >= SUPERVISE_AFTER_WORKING_DAYS:
                if send(kind=ReminderKind.SUPERVISE):
                    run.supervised += 1
            elif send(kind=ReminderKind.URGE):
                run.urged += 1
    return run


@transaction.atomic
def _send_once(
    record: Chased,
    *,
    kind: ReminderKind,
    due_on: date,
    remind: Callable[[Chased, ReminderKind], None],
) -> bool:
    """Log the step and send it in one transaction; False when it was already sent."""
    try:
        # A savepoint: the unique constraint, not a prior read, decides under concurrent runs.
        with transaction.atomic():
            ReminderLog.objects.create(
                content_type=ContentType.objects.get_for_model(record),
                object_id=record.pk,
                kind=kind,
                due_on=due_on,
            )
    except IntegrityError:
        return False
    remind(record, kind)
    return True
