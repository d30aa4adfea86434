"""Person pickers (decision 0020): who is offered, in which order, how labelled, how a person
is tied to the chosen unit, and what a form starts on."""

import re

import pytest
from django.test import Client
from django.utils import timezone

from saohei.demo.town import VILLAGES
from saohei.inspections.forms import FindingForm, RoundForm
from saohei.leads.forms import AssignForm, InvestigationForm, LeadForm
from saohei.leads.models import Source
from saohei.meetings.forms import MeetingForm
from saohei.organisations.models import Unit, User
from saohei.organisations.pickers import people_for
from saohei.organisations.queries import OUTSIDE_UNIT
from saohei.rectifications.forms import ItemForm

pytestmark = pytest.mark.django_db

# The 三员, the custodian and the city's supervisor: never a handler, attendee or inspector.
NEVER_OFFERED = {"周宁", "吴敏", "郑华", "陈淑芳", "赵建民"}
VILLAGES_IN_ORDER = [name for name, _kind in VILLAGES]


@pytest.fixture
def town(demo: None) -> Unit:
    return Unit.objects.get(name="港西镇")


@pytest.fixture
def village(demo: None) -> Unit:
    return Unit.objects.get(name="东岛村")


def option_labels(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S)
    assert select is not None
    return re.findall(r"<option[^>]*>([^<]*)</option>", select.group(0))


def test_handler_picker_offers_only_case_workers_labelled_unit_and_name_in_tree_order(
    town: Unit,
) -> None:
    form = AssignForm(town=town)

    labels = option_labels(str(form["handler"]), "handler")
    people = list(form.fields["handler"].queryset)  # type: ignore[attr-defined]

    assert labels[0] == "（不指定）"
    assert "港西镇·李晓静" in labels and "东岛村·李海滨" in labels
    assert not any(name in label for label in labels for name in NEVER_OFFERED)
    assert len(labels) - 1 == len(people)


def test_people_and_units_come_in_the_org_trees_order_not_by_id_text(town: Unit) -> None:
    form = AssignForm(town=town)

    units: list[str] = []
    for label in option_labels(str(form["handler"]), "handler")[1:]:
        unit = label.split("·")[0]
        if not units or units[-1] != unit:
            units.append(unit)
    unit_options = option_labels(str(form["handling_unit"]), "handling_unit")[1:]

    # The town, its station (排序 5), then the villages as the town numbers them (排序 101…),
    # not "/1/2/10/" before "/1/2/3/".
    assert units == ["港西镇", "港西派出所", *VILLAGES_IN_ORDER]
    assert unit_options == ["港西镇", "港西镇党政办公室", *VILLAGES_IN_ORDER]


def test_people_for_filters_by_role(town: Unit) -> None:
    leaders = people_for(town, roles=["leader"])  # type: ignore[list-item]

    assert {person.username for person in leaders} == {"shuji", "zhenzhang"}


def test_handler_outside_the_chosen_unit_is_refused_beside_the_field(
    town: Unit, village: Unit
) -> None:
    clerk = User.objects.get(username="banshi")
    head = User.objects.get(username="cun02")

    outside = AssignForm({"handling_unit": village.pk, "handler": clerk.pk}, town=town)
    inside = AssignForm({"handling_unit": village.pk, "handler": head.pk}, town=town)
    below = AssignForm({"handling_unit": town.pk, "handler": head.pk}, town=town)

    assert not outside.is_valid()
    assert outside.errors["handler"] == [OUTSIDE_UNIT]
    assert inside.is_valid() and below.is_valid()


def test_person_options_carry_their_units_for_the_browser(town: Unit, village: Unit) -> None:
    html = str(AssignForm(town=town)["handler"])
    head = User.objects.get(username="cun02")

    assert 'data-narrow-by="id_handling_unit"' in html
    assert re.search(rf'value="{head.pk}" data-units="[\d ]* {village.pk}"', html)


def test_rectification_person_outside_the_responsible_unit_is_refused(
    town: Unit, village: Unit
) -> None:
    data = {
        "source_kind": "supervision",
        "description": "码头宣传板缺失",
        "measures": "增设宣传板",
        "responsible_leader": User.objects.get(username="shuji").pk,
        "responsible_unit": village.pk,
        "responsible_person": User.objects.get(username="minjing").pk,
        "working_days": 10,
    }

    form = ItemForm(data, town=town)

    assert not form.is_valid()
    assert form.errors["responsible_person"] == [OUTSIDE_UNIT]


def test_an_unchosen_select_says_please_choose_never_dashes(town: Unit) -> None:
    villages = Unit.objects.filter(parent=town).villages()
    rendered = str(FindingForm(villages=villages)) + str(MeetingForm(town=town))

    assert "---------" not in rendered
    assert '<option value="" selected>请选择</option>' in rendered


def test_a_single_choice_is_preselected(town: Unit) -> None:
    one = FindingForm(villages=Unit.objects.filter(name="东岛村"))
    two = FindingForm(villages=Unit.objects.filter(name__in=["东岛村", "北港村"]))

    assert one["village"].value() == Unit.objects.get(name="东岛村").pk
    assert two["village"].value() is None


def test_event_dates_start_on_today(town: Unit) -> None:
    today = timezone.localdate()

    assert MeetingForm(town=town)["held_on"].value() == today
    assert RoundForm(town=town)["inspected_on"].value() == today
    assert InvestigationForm()["occurred_on"].value() == today
    received = LeadForm(town=town, sources=list(Source))["received_at"].value()
    # The widget's own format (datetime-local), to the minute.
    assert str(received).startswith(f"{today.isoformat()}T")


def test_a_deadline_does_not_start_on_today(town: Unit) -> None:
    assert AssignForm(town=town)["due_on"].value() is None


def test_attendees_are_checkboxes_grouped_by_unit(town: Unit) -> None:
    html = str(MeetingForm(town=town)["attendees"])

    assert "<select" not in html
    units = re.findall(r'data-unit-name="([^"]+)"', html)
    assert units[0] == "港西镇"
    assert len(units) == len(set(units)) == 23
    assert html.count("全选本单位") == 23
    assert not any(name in html for name in NEVER_OFFERED)


def test_lead_list_handler_filter_lists_no_administrators(client_as: object) -> None:
    client: Client = client_as("banshi")  # type: ignore[operator]

    labels = option_labels(client.get("/leads/").content.decode(), "handler")

    assert labels[0] == "全部承办人"
    assert "港西镇·李晓静" in labels
    assert not any(name in label for label in labels for name in NEVER_OFFERED)
