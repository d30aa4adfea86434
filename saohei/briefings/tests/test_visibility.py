"""Every figure's drill-down, walked as every role that reads briefings, lists exactly the
records that role's own lists show; the rest only as "另有 N 条受限记录".

Generated from the figure registry: a new figure is walked without touching this file, and a
figure over a model this file has no list for fails until one is named here.
"""

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db.models import Model, QuerySet
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from saohei.accountability.access import reader_towns, visible_talks
from saohei.accountability.models import Talk, TalkReview
from saohei.briefings.figures import FIGURES, Figure, Scope, get_figure
from saohei.cases.access import visible_cases
from saohei.cases.models import Case
from saohei.conftest import sign_in
from saohei.inspections.access import visible_rounds
from saohei.inspections.models import Finding, InspectionRound
from saohei.leads import services as lead_services
from saohei.leads.models import Channel, Lead, Source
from saohei.leads.queries import LeadFilters, filter_leads
from saohei.meetings.access import visible_meetings, visible_self_inspections
from saohei.meetings.models import Meeting, MeetingMaterial, SelfInspection, SelfInspectionProblem
from saohei.organisations.access import content_units
from saohei.organisations.models import Unit, User
from saohei.publicity.access import visible_activities
from saohei.publicity.models import PublicityActivity, PublicityKind
from saohei.rectifications.access import visible_items
from saohei.rectifications.models import RectificationItem

# Every demo account that may open a briefing (the others are refused: test_views).
BRIEFING_READERS = ("shuji", "fushuji", "jiaodaoyuan", "banshi", "shiban")


def _ids(queryset: QuerySet[Any]) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


def _by(field: str, listed: Callable[[User], QuerySet[Any]]) -> Callable[[User, Model], bool]:
    """A record shown where the list of the record it belongs to shows that record."""
    return lambda viewer, record: getattr(record, field) in _ids(listed(viewer))


# Model → whether the viewer's own list shows a record, written from each app's list query
# (not from the figure's own declaration, which is what is under test).
LISTS: dict[type[Model], Callable[[User, Any], bool]] = {
    Lead: lambda viewer, lead: lead.pk in _ids(filter_leads(viewer, LeadFilters())),
    Case: lambda viewer, case: case.pk in _ids(visible_cases(viewer)),
    Meeting: lambda viewer, meeting: meeting.pk in _ids(visible_meetings(viewer)),
    MeetingMaterial: _by("meeting_id", visible_meetings),
    SelfInspection: lambda viewer, item: item.pk in _ids(visible_self_inspections(viewer)),
    SelfInspectionProblem: _by("rectification_item_id", visible_items),
    Talk: lambda viewer, talk: talk.pk in _ids(visible_talks(viewer)),
    TalkReview: lambda viewer, review: review.unit in reader_towns(viewer),
    RectificationItem: lambda viewer, item: item.pk in _ids(visible_items(viewer)),
    InspectionRound: lambda viewer, round_: round_.pk in _ids(visible_rounds(viewer)),
    Finding: _by("round_id", visible_rounds),
    PublicityActivity: lambda viewer, activity: activity.pk in _ids(visible_activities(viewer)),
    # Villages and the people heading them: the org tree every reader of the town sees.
    Unit: lambda viewer, village: village.pk in _ids(content_units(viewer)),
    User: lambda viewer, person: person.unit_id in _ids(content_units(viewer)),
}


def _all_figures() -> list[Figure]:
    figures = list(FIGURES.values())
    for kind in PublicityKind.objects.order_by("code"):
        figure = get_figure(f"publicity.{kind.code}")
        assert figure is not None
        figures.append(figure)
    return figures


def _register(username: str, town: Unit, source: str, summary: str, **fields: Any) -> None:
    lead_services.register_lead(
        actor=User.objects.get(username=username),
        unit=town,
        data=lead_services.LeadInput(
            received_at=timezone.now() - timedelta(hours=2),
            channel=Channel.LETTER,
            source=source,
            summary=summary,
            **fields,
        ),
    )


@pytest.fixture
def town_with_restricted_leads(demo_history: Unit) -> Unit:
    """The demo town plus a 保护伞 lead (the leaders' only) and a 上级交办 lead of the supervisor."""
    _register(
        "shuji",
        demo_history,
        Source.PUBLIC_REPORT,
        "反映某站所工作人员为赌场充当保护伞",
        involves_official=True,
    )
    _register(
        "shiban",
        demo_history,
        Source.UPPER_ASSIGNED,
        "市扫黑办交办：反映渔港有人强收停靠费",
        upstream_office="荣成市扫黑办",
    )
    return demo_history


@pytest.mark.django_db
def test_every_figure_lists_for_every_role_exactly_what_that_roles_lists_show(
    town_with_restricted_leads: Unit,
) -> None:
    town = town_with_restricted_leads
    scope = Scope(unit=town, date_from=None, date_to=None, today=timezone.localdate())
    figures = _all_figures()
    restricted_somewhere: set[str] = set()
    for username in BRIEFING_READERS:
        viewer = User.objects.get(username=username)
        client = sign_in(Client(), username)
        for figure in figures:
            records = list(figure.records(scope))
            model = type(records[0]) if records else None
            if model is None:
                continue
            assert model in LISTS, f"{figure.key}: no list named for {model.__name__}"
            expected = {record.pk for record in records if LISTS[model](viewer, record)}
            page = client.get(reverse("briefings:figure", args=[figure.key]), {"unit": town.pk})
            assert page.status_code == 200, (username, figure.key)
            html = page.content.decode()
            listed = {int(pk) for pk in re.findall(r'data-record="(\d+)"', html)}
            assert listed == expected, (username, figure.key)
            restricted = len(records) - len(expected)
            assert page.context.get("restricted", 0) == restricted, (username, figure.key)
            if restricted:
                restricted_somewhere.add(f"{username}:{figure.key}")
                assert f"另有 {restricted} 条受限记录" in html, (username, figure.key)
                for record in records:
                    if record.pk not in expected and isinstance(record, Lead | Case):
                        assert record.number not in html, (username, figure.key, record.number)
    # The walk met the findings of the probe: the 保护伞 lead hidden from the clerk, and the
    # town's cases and leads hidden from the supervisor.
    assert "banshi:leads.public_report" in restricted_somewhere
    assert "shiban:cases.reviewed" in restricted_somewhere
    assert "shiban:leads.upper_assigned" in restricted_somewhere
    # The town's leaders read every record of it: nothing is withheld from them.
    assert not [key for key in restricted_somewhere if key.startswith("shuji:")]
