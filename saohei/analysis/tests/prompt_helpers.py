"""Planted groups for the 研判提示 tests: people with ID numbers, so cases link through them."""

from datetime import date, timedelta

from django.utils import timezone

from saohei.analysis.changes import refresh_pending
from saohei.analysis.models import Prompt, PromptIncident, PromptLevel
from saohei.analysis.tests.registry_helpers import P, id_number
from saohei.cases.models import Case, Nature
from saohei.meetings import services as meeting_services
from saohei.meetings.models import Meeting, MeetingKind
from saohei.organisations.models import Unit, User

DAY0 = date(2023, 3, 1)


def member(serial: int, name: str, role: str = "participant") -> P:
    return P(name, role=role, id_number=id_number(serial))


def gatherer(serial: int = 1, name: str = "张大虎") -> P:
    return member(serial, name, "gatherer")


def crew() -> list[P]:
    """A gatherer and two participants, the smallest 恶势力 the defaults allow."""
    return [gatherer(), member(2, "李二狗"), member(3, "王三")]


def days(n: int) -> date:
    return DAY0 + timedelta(days=n)


CRIMINAL, PUBLIC = Nature.CRIMINAL, Nature.PUBLIC_SECURITY


def prompt_on_first_case(town_name: str = "港西镇") -> Prompt:
    """A prompt resting on the town's first case, written as the registry would (the demo's
    records yield none). The registry is refreshed first: a prompt is seen through appearances."""
    refresh_pending()
    case = Case.objects.filter(unit__name=town_name).order_by("id").first()
    assert case is not None
    prompt = Prompt.objects.create(
        level=PromptLevel.GANG,
        unit=case.unit,
        window_start=case.occurred_on,
        window_end=case.occurred_on,
        explanation="疑似恶势力（检查用）",
    )
    PromptIncident.objects.create(
        prompt=prompt,
        incident_kind="case",
        incident_id=case.pk,
        number=case.number,
        occurred_on=case.occurred_on,
    )
    return prompt


def decision_meeting(town: Unit, kind: str = MeetingKind.ANALYSIS) -> Meeting:
    """Yesterday's meeting of the town (a 研判会 by default), chaired by its leader."""
    people = list(User.objects.filter(username__in=["shuji", "banshi"]))
    return meeting_services.record_meeting(
        actor=User.objects.get(username="banshi"),
        unit=town,
        kind=kind,
        record=meeting_services.MeetingRecord(
            title="研判提示研判会",
            held_on=timezone.localdate() - timedelta(days=1),
            place="镇政府会议室",
            chair=User.objects.get(username="shuji"),
            recorder=User.objects.get(username="banshi"),
            attendees=people,
            topics="研判系统提示",
        ),
    )
