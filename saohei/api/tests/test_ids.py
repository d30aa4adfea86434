"""The API's one id resolver: a row of another town is refused exactly like one that never was."""

import pytest

from saohei.api.ids import all_of, one_of, recording_town
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.organisations.models import Unit, UnitKind, User
from saohei.organisations.services import build_unit


@pytest.fixture
def town(demo: None) -> Unit:
    return Unit.objects.get(kind=UnitKind.TOWN, name="港西镇")


def test_one_of_finds_in_scope_and_refuses_outside_it_as_if_missing(town: Unit) -> None:
    other = build_unit(name="港东镇", kind=UnitKind.TOWN, parent=town.parent, code="GD")
    towns = Unit.objects.filter(pk=town.pk)
    assert one_of(towns, town.pk, field="unit_id", refusal="须为本镇") == town
    refusals = []
    for pk in (other.pk, 2**62):
        with pytest.raises(ServiceError) as refused:
            one_of(towns, pk, field="unit_id", refusal="须为本镇")
        refusals.append((refused.value.message, refused.value.field))
    assert refusals == [("须为本镇", "unit_id")] * 2


def test_all_of_counts_a_repeated_id_once_and_refuses_one_outside(town: Unit) -> None:
    people = User.objects.filter(unit__path__startswith=town.path)
    banshi = User.objects.get(username="banshi")
    assert all_of(people, [banshi.pk, banshi.pk], field="ids", refusal="须为本镇人员") == [banshi]
    with pytest.raises(ServiceError) as refused:
        all_of(people, [banshi.pk, 2**62], field="ids", refusal="须为本镇人员")
    assert (refused.value.message, refused.value.field) == ("须为本镇人员", "ids")


def test_recording_town_refuses_a_village_and_a_town_the_caller_may_not_record_in(
    town: Unit,
) -> None:
    village = Unit.objects.filter(parent=town, kind=UnitKind.VILLAGE).first()
    assert village is not None
    assert recording_town(town.pk, may_record=lambda _: True, refusal="只能为本镇登记") == town
    for unit_id, may_record in ((village.pk, True), (town.pk, False)):

        def decision(_: Unit, answer: bool = may_record) -> bool:
            return answer

        with pytest.raises(ActionNotAllowed) as refused:
            recording_town(unit_id, may_record=decision, refusal="只能为本镇登记")
        assert (refused.value.message, refused.value.field) == ("只能为本镇登记", "unit_id")
