"""Resolution of appearances into persons, incremental refresh and full rebuild."""

from datetime import date

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from saohei.analysis.changes import refresh_pending
from saohei.analysis.models import (
    AnalysisSettings,
    Appearance,
    IdentifierExclusion,
    MergeRule,
    PendingChange,
    Person,
    PersonIdentifier,
    SamePersonSuggestion,
    SharedIdentifier,
    SplitRule,
)
from saohei.analysis.registry import rebuild, refresh, refresh_persons
from saohei.analysis.tests.registry_helpers import (
    P,
    id_number,
    make_case,
    mobile,
    registry_state,
    set_person,
)
from saohei.cases.models import Case, CasePerson
from saohei.common.pii import blind_index
from saohei.organisations.models import Unit, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def villages(town: Unit) -> list[Unit]:
    return list(Unit.objects.filter(parent=town, kind="village").order_by("sort_order")[:3])


def person_of(case: Case, name: str) -> Person:
    source = CasePerson.objects.get(case=case, name=name)
    person = Appearance.objects.get(incident_kind="case", source_id=source.pk).person
    assert person is not None
    return person


def test_the_same_id_number_is_one_person_across_cases(town: Unit) -> None:
    first = make_case(town, P("张三", id_number=id_number(1)), on=date(2023, 1, 1))
    second = make_case(town, P("张三", id_number=id_number(1)), on=date(2024, 1, 1))
    refresh_pending()
    person = person_of(first, "张三")
    assert person == person_of(second, "张三")
    assert person.appearance_count == 2
    assert person.first_seen == date(2023, 1, 1) and person.last_seen == date(2024, 1, 1)
    assert PendingChange.objects.count() == 0


def test_a_mobile_joins_the_same_name_only(town: Unit) -> None:
    with_id = make_case(town, P("李四", id_number=id_number(2), phone=mobile(2)))
    without_id = make_case(town, P("李四", phone=mobile(2)))
    wife = make_case(town, P("王芳芳", phone=mobile(2)))
    refresh_pending()
    assert person_of(with_id, "李四") == person_of(without_id, "李四")
    assert person_of(wife, "王芳芳") != person_of(with_id, "李四")


def test_two_appearances_without_id_share_a_mobile_and_a_name(town: Unit) -> None:
    first = make_case(town, P("赵五", phone=mobile(3)))
    second = make_case(town, P("赵五", phone=mobile(3)))
    refresh_pending()
    assert person_of(first, "赵五") == person_of(second, "赵五")


def test_an_over_shared_mobile_stops_linking_and_is_listed(town: Unit) -> None:
    AnalysisSettings.objects.create(identifier_share_cap=2)
    cases = [make_case(town, P(name, phone=mobile(9))) for name in ("甲一", "乙二", "丙三")]
    cases.append(make_case(town, P("甲一", phone=mobile(9))))
    refresh_pending()
    assert person_of(cases[0], "甲一") != person_of(cases[3], "甲一")
    shared = SharedIdentifier.objects.get()
    assert (shared.kind, shared.distinct_names) == ("phone", 3)
    assert shared.masked.startswith("139") and "*" in shared.masked


def test_an_excluded_mobile_never_links(town: Unit) -> None:
    first = make_case(town, P("钱六", phone=mobile(4)))
    second = make_case(town, P("钱六", phone=mobile(4)))
    refresh_pending()
    assert person_of(first, "钱六") == person_of(second, "钱六")
    IdentifierExclusion.objects.create(
        kind="phone",
        value=blind_index("phone", mobile(4)),
        reason="村委会电话",
        created_by=User.objects.get(username="banshi"),
    )
    refresh([("case", first.pk), ("case", second.pk)])
    assert person_of(first, "钱六") != person_of(second, "钱六")


def test_the_same_name_in_one_village_is_only_a_suggestion(
    town: Unit, villages: list[Unit]
) -> None:
    here, there = villages[0], villages[1]
    a = make_case(town, P("孙七", village=here))
    b = make_case(town, P("孙七", village=here))
    make_case(town, P("孙七", village=there))
    make_case(town, P("张伟", village=here))
    make_case(town, P("张伟", village=here))
    make_case(town, P("周某", village=here))
    make_case(town, P("周某", village=here))
    refresh_pending()
    assert person_of(a, "孙七") != person_of(b, "孙七")
    suggestion = SamePersonSuggestion.objects.get()
    assert suggestion.name == "孙七" and suggestion.village == here
    assert suggestion.status == "open"
    assert {suggestion.first_key, suggestion.second_key} == {
        person_of(a, "孙七").person_key,
        person_of(b, "孙七").person_key,
    }


def test_two_id_numbers_with_one_name_are_never_suggested(town: Unit, villages: list[Unit]) -> None:
    make_case(town, P("吴八", id_number=id_number(5), village=villages[0]))
    make_case(town, P("吴八", id_number=id_number(6), village=villages[0]))
    refresh_pending()
    assert Person.objects.filter(name="吴八").count() == 2
    assert not SamePersonSuggestion.objects.exists()


def test_a_merge_joins_and_its_undo_separates(town: Unit, villages: list[Unit]) -> None:
    a = make_case(town, P("郑九", village=villages[0]))
    b = make_case(town, P("郑九", id_number=id_number(7), village=villages[0]))
    refresh_pending()
    first, second = person_of(a, "郑九"), person_of(b, "郑九")
    rule = MergeRule.objects.create(
        first_key=first.person_key,
        second_key=second.person_key,
        reason="同一人",
        created_by=User.objects.get(username="banshi"),
    )
    refresh_persons([first.person_key, second.person_key])
    merged = person_of(a, "郑九")
    assert merged == person_of(b, "郑九")
    assert merged.person_key == second.person_key  # the ID number's key names the group
    assert merged.appearance_count == 2
    rule.undone_at = rule.created_at
    rule.save()
    refresh_persons([merged.person_key])
    assert person_of(a, "郑九") != person_of(b, "郑九")


def test_a_split_appearance_is_a_person_of_its_own(town: Unit) -> None:
    a = make_case(town, P("冯十", id_number=id_number(8)))
    b = make_case(town, P("冯十", id_number=id_number(8)))
    refresh_pending()
    source = CasePerson.objects.get(case=b)
    SplitRule.objects.create(
        incident_kind="case",
        source_id=source.pk,
        reason="录入错误",
        created_by=User.objects.get(username="banshi"),
    )
    refresh_persons([person_of(a, "冯十").person_key])
    assert person_of(a, "冯十") != person_of(b, "冯十")
    assert person_of(a, "冯十").appearance_count == 1


def test_identifiers_and_plates_are_gathered_on_the_person(town: Unit) -> None:
    make_case(town, P("陈一", id_number=id_number(10), phone=mobile(10), plates=["鲁K12345"]))
    make_case(town, P("陈一", id_number=id_number(10), plates=["鲁KD12345"]))
    refresh_pending()
    person = Person.objects.get(name="陈一")
    kinds = sorted(PersonIdentifier.objects.filter(person=person).values_list("kind", "masked"))
    assert [kind for kind, _ in kinds] == ["id_number", "phone", "plate", "plate"]
    assert ("plate", "鲁K12345") in kinds
    assert all(id_number(10) not in masked for _, masked in kinds)


def test_people_removed_from_a_case_leave_the_registry(town: Unit) -> None:
    case = make_case(town, P("褚二", id_number=id_number(11)))
    refresh_pending()
    assert Person.objects.filter(name="褚二").exists()
    CasePerson.objects.filter(case=case).delete()
    refresh([("case", case.pk)])
    assert not Person.objects.filter(name="褚二").exists()
    assert not PersonIdentifier.objects.exists()


# A small pool of people, so that random cases keep sharing ID numbers, phones and names.
POOL = [
    P("卫一", id_number=id_number(21), phone=mobile(21)),
    P("卫一", phone=mobile(21)),
    P("卫一"),
    P("蒋二", phone=mobile(21)),
    P("蒋二", id_number=id_number(22)),
    P("沈三", phone=mobile(23)),
    P("沈三", phone=mobile(23), id_number=id_number(23)),
    P("韩四", phone=mobile(24)),
    P("杨五", phone=mobile(24)),
    P("朱六", phone=mobile(24)),
]

operations = st.lists(
    st.tuples(
        st.sampled_from(["add", "replace", "merge", "exclude"]),
        st.lists(st.integers(0, len(POOL) - 1), min_size=1, max_size=3),
        st.integers(0, 2),
    ),
    min_size=1,
    max_size=8,
)


@hypothesis_settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=operations)
def test_incremental_updates_equal_a_full_rebuild(
    town: Unit, villages: list[Unit], steps: list[tuple[str, list[int], int]]
) -> None:
    admin = User.objects.get(username="banshi")
    Case.objects.filter(unit=town).delete()
    # Each example starts from nothing the registry derived or the office decided (hypothesis
    # runs its examples in one test database).
    for model in (
        Appearance,
        Person,
        MergeRule,
        SplitRule,
        IdentifierExclusion,
        SamePersonSuggestion,
        SharedIdentifier,
        PendingChange,
    ):
        model.objects.all().delete()
    AnalysisSettings.objects.all().delete()
    AnalysisSettings.objects.create(identifier_share_cap=2)
    cases: list[Case] = []
    for action, picks, which in steps:
        people = [POOL[i] for i in dict.fromkeys(picks)]
        for person in people:
            person.village = villages[which]
        if action == "add" or not cases:
            cases.append(make_case(town, *people, on=date(2020 + which, 1, 1 + len(cases))))
        elif action == "replace":
            case = cases[which % len(cases)]
            CasePerson.objects.filter(case=case).delete()
            make_case(town, *people)  # a new case too, so both paths run
            for person in people:
                set_person(case, person)
            refresh([("case", case.pk)])
        elif action == "merge":
            keys = list(Person.objects.values_list("person_key", flat=True)[:2])
            if len(keys) == 2:
                MergeRule.objects.create(
                    first_key=keys[0], second_key=keys[1], reason="同一人", created_by=admin
                )
                refresh_persons(keys)
        else:
            phone = POOL[picks[0]].phone
            if phone:
                value = blind_index("phone", phone)
                IdentifierExclusion.objects.get_or_create(
                    kind="phone", value=value, defaults={"reason": "排除", "created_by": admin}
                )
                refresh(
                    set(
                        Appearance.objects.filter(phone_index=value).values_list(
                            "incident_kind", "incident_id"
                        )
                    )
                )
        refresh_pending()
    incremental = registry_state()
    rebuild()
    assert registry_state() == incremental


def test_a_full_rebuild_takes_over_what_waited_in_the_outbox(town: Unit) -> None:
    make_case(town, P("秦三", id_number=id_number(31)))
    assert PendingChange.objects.count() == 1
    rebuild()
    assert not PendingChange.objects.exists()
    assert Person.objects.filter(name="秦三").count() == 1


def test_analyse_rebuilds_one_town_and_prints_its_progress(town: Unit) -> None:
    from io import StringIO

    from django.core.management import call_command

    make_case(town, P("尤四", id_number=id_number(32)))
    out = StringIO()
    call_command("analyse", "--unit", "港西镇", stdout=out)
    assert Person.objects.filter(name="尤四").exists()
    text = out.getvalue()
    assert "7/7" in text and "完成：出现记录 1 条" in text
    with pytest.raises(Exception, match="没有名为"):
        call_command("analyse", "--unit", "不存在镇", stdout=out)
