"""The registry's visibility: the narrow form ("also appears in") shows exactly what the
set-wise form shows, to every account of the demo town."""

from datetime import date

import pytest
from django.contrib.auth.models import AnonymousUser

from saohei.analysis.access import visible_appearances, visible_prompts
from saohei.analysis.changes import refresh_pending
from saohei.analysis.registry import rebuild
from saohei.analysis.tests.prompt_helpers import prompt_on_first_case
from saohei.analysis.tests.registry_helpers import P, id_number, make_case
from saohei.common.roles import Role
from saohei.meetings.tests.conftest import make_account
from saohei.organisations.models import Unit, UnitKind, User
from saohei.organisations.services import build_unit

pytestmark = pytest.mark.django_db


def test_checking_each_record_shows_what_the_set_wise_form_shows(demo: None) -> None:
    town = Unit.objects.get(name="港西镇")
    make_case(town, P("张三", id_number=id_number(1)), on=date(2024, 1, 1))
    make_case(town, P("张三", id_number=id_number(1)), P("李四"), on=date(2024, 2, 1))
    refresh_pending()
    rebuild()  # the demo's leads and tips too
    seen_by_someone = set()
    for user in User.objects.all():
        set_wise = set(visible_appearances(user).values_list("id", flat=True))
        narrow = set(visible_appearances(user, few=True).values_list("id", flat=True))
        assert narrow == set_wise, user.username
        seen_by_someone |= set_wise
    # Not vacuous: the town leader sees the cases, and somebody sees less than everything.
    leader = User.objects.get(username="shuji")
    assert visible_appearances(leader, few=True).filter(incident_kind="case").count() >= 3
    assert any(
        visible_appearances(user, few=True).count() < len(seen_by_someone)
        for user in User.objects.all()
    )
    assert not visible_appearances(AnonymousUser(), few=True).exists()  # type: ignore[arg-type]


def test_a_prompt_checked_by_key_is_seen_by_whom_the_set_wise_form_shows_it(demo: None) -> None:
    town = Unit.objects.get(name="港西镇")
    other = build_unit(name="港东镇", kind=UnitKind.TOWN, parent=town.parent, code="GD")
    make_account("gdzuzhang", "港东镇组长", other, Role.LEADER)
    for unit in (town, other):
        make_case(unit, P("张三", id_number=id_number(1)), on=date(2024, 1, 1))
        prompt_on_first_case(unit.name)
    seen = {}
    for user in User.objects.all():
        set_wise = set(visible_prompts(user).values_list("id", flat=True))
        assert set(visible_prompts(user, few=True).values_list("id", flat=True)) == set_wise
        seen[user.username] = len(set_wise)
    # Not vacuous: each town's leader sees their town's prompt only; a village head none.
    assert seen["shuji"] == seen["gdzuzhang"] == 1
    assert seen["cun01"] == 0
