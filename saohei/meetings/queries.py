"""Reads: the schedule's due and missed periods, computed from the meetings held (no cron),
and the task list with its amber/red deadlines."""

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.urls import reverse

from saohei.common.dates import is_displayable
from saohei.common.search import People, SearchFields, apply_search

# Tasks show amber in the one window of every deadline, as on the ledger.
from saohei.deadlines.queries import amber_threshold as amber_threshold
from saohei.meetings import access
from saohei.meetings.models import (
    Frequency,
    Meeting,
    MeetingDecision,
    MeetingQuerySet,
    MeetingSchedule,
    Task,
    TaskQuerySet,
    TaskStatus,
)
from saohei.organisations.models import User

logger = logging.getLogger(__name__)

# How many missed periods a schedule lists at most (the most recent ones).
MISSED_LIMIT = 12


@dataclass(frozen=True)
class Period:
    starts_on: date
    ends_on: date  # exclusive
    scheduled_on: date

    @property
    def last_day(self) -> date:
        return self.ends_on - timedelta(days=1)


@dataclass
class ScheduleStatus:
    schedule: MeetingSchedule
    current: Period
    is_held: bool
    is_due: bool
    missed: list[Period] = field(default_factory=list)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def periods(schedule: MeetingSchedule, until: date) -> list[Period]:
    """Every period from the one holding `starts_on` to the one holding `until`, in order."""
    result = []
    if schedule.frequency == Frequency.WEEKLY:
        start = schedule.starts_on - timedelta(days=schedule.starts_on.weekday())
        while start <= until:
            end = start + timedelta(days=7)
            result.append(Period(start, end, start + timedelta(days=schedule.day - 1)))
            start = end
    else:
        start = schedule.starts_on.replace(day=1)
        while start <= until:
            end = _add_months(start, schedule.interval)
            result.append(Period(start, end, start.replace(day=schedule.day)))
            start = end
    return result


def schedule_status(schedule: MeetingSchedule, *, today: date, held: list[date]) -> ScheduleStatus:
    """1. Cut time into periods. 2. A past period without a meeting is missed.
    3. The current one is due once its scheduled day has come and no meeting was held."""
    all_periods = periods(schedule, today)
    held_sorted = sorted(held)

    def has_meeting(period: Period) -> bool:
        return any(period.starts_on <= day < period.ends_on for day in held_sorted)

    current = all_periods[-1] if all_periods else None
    if current is None:
        # Not started yet: the first period, neither due nor missed.
        first = periods(schedule, schedule.starts_on)[-1]
        return ScheduleStatus(schedule, first, is_held=False, is_due=False)
    missed = [period for period in all_periods[:-1] if not has_meeting(period)]
    is_held = has_meeting(current)
    return ScheduleStatus(
        schedule,
        current,
        is_held=is_held,
        is_due=not is_held and today >= current.scheduled_on,
        missed=missed[-MISSED_LIMIT:],
    )


def list_schedule_statuses(user: User, *, today: date) -> list[ScheduleStatus]:
    """The active schedules of the towns whose record the user reads, with their state."""
    towns = access.record_towns(user)
    if not towns:
        return []
    statuses = []
    schedules = MeetingSchedule.objects.filter(unit__in=towns, is_active=True).select_related(
        "unit"
    )
    for schedule in schedules:
        if not is_displayable(schedule.starts_on):
            # A start written past validation: its periods cannot be counted (logged, skipped).
            logger.warning("meeting schedule %s has an impossible start date", schedule.pk)
            continue
        held = list(
            Meeting.objects.filter(
                unit=schedule.unit,
                kind=schedule.kind,
                held_on__gte=schedule.starts_on.replace(day=1) - timedelta(days=7),
                held_on__lte=today,
            ).values_list("held_on", flat=True)
        )
        statuses.append(schedule_status(schedule, today=today, held=held))
    return statuses


# Task list filters: which tasks, and whose.
TASK_STATES = {"open": "进行中", "overdue": "已逾期", "done": "已完成"}
TASK_LIMIT = 500


def task_due_state(task: Task, *, today: date, threshold: date) -> str:
    """'' (done), 'ok', 'soon' (amber) or 'overdue' (red)."""
    if task.status != TaskStatus.OPEN:
        return ""
    if task.due_on < today:
        return "overdue"
    if task.due_on <= threshold:
        return "soon"
    return "ok"


def list_tasks(user: User, *, state: str = "", mine: bool = True, today: date) -> TaskQuerySet:
    """The user's own tasks, or (`mine=False`) every task they may see, filtered by state."""
    tasks = access.visible_tasks(user)
    if mine:
        tasks = tasks.filter(assignee=user)
    if state == "open":
        tasks = tasks.open()
    elif state == "overdue":
        tasks = tasks.overdue(today)
    elif state == "done":
        tasks = tasks.done()
    return tasks.select_related("unit", "assignee__unit", "decision__meeting")


MEETING_SEARCH = SearchFields(
    text=("title", "place", "topics", "reported", "minutes", "chair__real_name"),
    people=(People(Meeting.attendees.through, "meeting_id", ("user__real_name",)),),
)


def search_meetings(meetings: MeetingQuerySet, text: str) -> MeetingQuerySet:
    return apply_search(meetings, text, MEETING_SEARCH)


def meeting_url(meeting: Meeting) -> str:
    return reverse("meetings:detail", args=[meeting.pk])


def task_of(decision: MeetingDecision) -> Task | None:
    """The decision's task, if it became one (no query when loaded with select_related)."""
    try:
        return decision.task
    except Task.DoesNotExist:
        return None


def decision_lock_reason(decision: MeetingDecision) -> str:
    """Why a decision can no longer be edited or handed on, in Chinese; "" while it still can."""
    if decision.rectification_item_id is not None:
        return (
            f"该决定事项已列入整改台账（整改事项 {decision.rectification_item_id}），"
            "请在整改台账中跟进，决定事项本身不能再修改"
        )
    task = task_of(decision)
    if task is not None:
        return f"该决定事项已转为任务（任务 {task.pk}），请在任务中跟进，决定事项本身不能再修改"
    return ""
