"""研判提示: each criterion of DOMAIN.md §3.1 just on and just off its threshold, the exclusions,
the window's edge, the levels, and the prompt's identity across refreshes."""

from datetime import timedelta

import pytest
from django.utils import timezone

from saohei.analysis.changes import refresh_pending
from saohei.analysis.models import (
    AnalysisSettings,
    MergeRule,
    Person,
    Prompt,
    PromptLevel,
    PromptStatus,
)
from saohei.analysis.prompts import EXACT_WINDOWS_UP_TO, Incident, Involvement, best_finding
from saohei.analysis.registry import rebuild, refresh_persons
from saohei.analysis.tests.prompt_helpers import (
    CRIMINAL,
    PUBLIC,
    crew,
    days,
    gatherer,
    member,
)
from saohei.analysis.tests.registry_helpers import P, id_number, make_case, mobile
from saohei.cases.models import DISPUTE_MOTIVES, Means, Motive
from saohei.leads.models import Channel, Conclusion, Lead, Source, Status
from saohei.leads.services import LeadInput, SubjectInput, register_lead
from saohei.leads.tests.conftest import advance
from saohei.organisations.models import Unit, User

pytestmark = pytest.mark.django_db


def current() -> list[Prompt]:
    return list(Prompt.objects.filter(is_current=True).order_by("id"))


def only_prompt() -> Prompt:
    prompts = current()
    assert len(prompts) == 1, [p.explanation for p in prompts]
    return prompts[0]


def plant(town: Unit, *cases: tuple[int, str, list[P]]) -> None:
    for day, nature, people in cases:
        make_case(town, *people, on=days(day), nature=nature)
    refresh_pending()


def three_cases(town: Unit, people: list[P] | None = None) -> None:
    people = people or crew()
    plant(town, (0, CRIMINAL, people), (30, PUBLIC, people), (60, PUBLIC, people))


def test_three_members_three_incidents_one_crime_and_a_recurring_gatherer_are_a_suspected_gang(
    town: Unit,
) -> None:
    three_cases(town)
    prompt = only_prompt()
    assert prompt.get_level_display() == "疑似恶势力"
    assert prompt.status == PromptStatus.OPEN
    assert prompt.members.count() == 3 and prompt.incidents.count() == 3
    assert (prompt.window_start, prompt.window_end) == (days(0), days(60))
    assert prompt.criteria["met"]["group"] is False
    text = prompt.explanation
    assert "张大虎（纠集者，3 起）" in text and "李二狗（参与者，3 起）" in text
    assert "已满足：成员不少于 3 人（3 人）" in text
    assert "未满足：疑似恶势力犯罪集团" in text
    assert "不是认定结论" in text


def test_two_members_are_not_enough(town: Unit) -> None:
    three_cases(town, crew()[:2])
    assert current() == []


def test_two_incidents_are_not_enough(town: Unit) -> None:
    plant(town, (0, CRIMINAL, crew()), (30, PUBLIC, crew()))
    assert current() == []


def test_no_crime_among_the_incidents_is_not_enough(town: Unit) -> None:
    plant(town, (0, PUBLIC, crew()), (30, PUBLIC, crew()), (60, PUBLIC, crew()))
    assert current() == []


def test_one_recurring_member_without_a_gatherer_is_not_enough(town: Unit) -> None:
    a, b, c, d = (member(n, name) for n, name in ((1, "甲"), (2, "乙"), (3, "丙"), (4, "丁")))
    plant(town, (0, CRIMINAL, [a, b]), (30, PUBLIC, [a, c]), (60, PUBLIC, [a, d]))
    assert current() == []


def test_two_recurring_members_without_a_gatherer_are_enough(town: Unit) -> None:
    a, b, c, d = (member(n, name) for n, name in ((1, "甲"), (2, "乙"), (3, "丙"), (4, "丁")))
    plant(town, (0, CRIMINAL, [a, b]), (30, PUBLIC, [a, c]), (60, PUBLIC, [a, b, d]))
    assert only_prompt().criteria["recurring_members"] == 2


def test_a_recurring_gatherer_alone_is_enough(town: Unit) -> None:
    g, b, c, d = gatherer(), member(2, "乙"), member(3, "丙"), member(4, "丁")
    plant(town, (0, CRIMINAL, [g, b]), (30, PUBLIC, [g, c]), (60, PUBLIC, [g, d]))
    prompt = only_prompt()
    assert prompt.criteria["recurring_members"] == 1
    assert prompt.criteria["recurring_ringleaders"] == 1


def test_three_crimes_led_by_the_recurring_gatherer_are_a_suspected_criminal_group(
    town: Unit,
) -> None:
    plant(town, (0, CRIMINAL, crew()), (30, CRIMINAL, crew()), (60, CRIMINAL, crew()))
    prompt = only_prompt()
    assert prompt.get_level_display() == "疑似恶势力犯罪集团"
    assert prompt.criteria["ringleader_criminal"] == 3


def test_two_crimes_led_by_the_gatherer_stay_a_suspected_gang(town: Unit) -> None:
    plant(town, (0, CRIMINAL, crew()), (30, CRIMINAL, crew()), (60, PUBLIC, crew()))
    assert only_prompt().get_level_display() == "疑似恶势力"


def big_crew(size: int) -> list[P]:
    return [gatherer(), *(member(n, f"成员{n}") for n in range(2, size + 1))]


def test_ten_members_of_a_criminal_group_need_review_for_heishehui(town: Unit) -> None:
    people = big_crew(10)
    plant(town, (0, CRIMINAL, people), (30, CRIMINAL, people), (60, CRIMINAL, people))
    prompt = only_prompt()
    assert prompt.get_level_display() == "需研判涉黑"
    assert "注意：成员已有" not in prompt.explanation


def test_nine_members_stay_a_criminal_group_with_a_note(town: Unit) -> None:
    people = big_crew(9)
    plant(town, (0, CRIMINAL, people), (30, CRIMINAL, people), (60, CRIMINAL, people))
    prompt = only_prompt()
    assert prompt.get_level_display() == "疑似恶势力犯罪集团"
    assert "注意：成员已有 9 人" in prompt.explanation


def test_six_members_get_no_note(town: Unit) -> None:
    people = big_crew(6)
    plant(town, (0, CRIMINAL, people), (30, CRIMINAL, people), (60, CRIMINAL, people))
    assert "注意：成员已有" not in only_prompt().explanation


def test_the_level_is_one_of_three_strings(town: Unit) -> None:
    three_cases(town)
    assert set(PromptLevel.labels) == {
        "疑似恶势力",
        "疑似恶势力犯罪集团",
        "需研判涉黑",
    }


@pytest.mark.parametrize("motive", sorted(DISPUTE_MOTIVES))
def test_an_incident_arising_from_a_dispute_does_not_count(town: Unit, motive: str) -> None:
    make_case(town, *crew(), on=days(0), motive=motive)
    plant(town, (30, CRIMINAL, crew()), (60, PUBLIC, crew()))
    assert current() == []


@pytest.mark.parametrize("motive", sorted(DISPUTE_MOTIVES))
def test_an_excluded_dispute_is_named_in_the_explanation(town: Unit, motive: str) -> None:
    make_case(town, *crew(), on=days(10), motive=motive)
    three_cases(town)
    prompt = only_prompt()
    assert prompt.incidents.count() == 3
    assert f"起因为{Motive(motive).label}纠纷" in prompt.explanation


def test_profit_without_violence_threat_or_soft_violence_does_not_count(town: Unit) -> None:
    make_case(town, *crew(), on=days(0), motive=Motive.PROFIT, means=Means.OTHER)
    plant(town, (30, CRIMINAL, crew()), (60, PUBLIC, crew()))
    assert current() == []


@pytest.mark.parametrize("means", [Means.VIOLENCE, Means.THREAT, Means.SOFT_VIOLENCE])
def test_profit_with_bullying_means_counts(town: Unit, means: str) -> None:
    make_case(town, *crew(), on=days(0), motive=Motive.PROFIT, means=means)
    plant(town, (30, CRIMINAL, crew()), (60, PUBLIC, crew()))
    assert only_prompt().incidents.count() == 3


def test_victims_and_witnesses_never_link(town: Unit) -> None:
    victim = P("赵受害", role="victim", id_number=id_number(90))
    witness = P("钱证人", role="witness", id_number=id_number(91))
    pairs = [(member(1, "甲"), member(2, "乙")), (member(3, "丙"), member(4, "丁"))]
    pairs.append((member(5, "戊"), member(6, "己")))
    plant(
        town,
        *((30 * n, CRIMINAL, [*pair, victim, witness]) for n, pair in enumerate(pairs)),
    )
    assert current() == []


def test_incidents_730_days_apart_are_in_one_window(town: Unit) -> None:
    plant(town, (0, CRIMINAL, crew()), (300, PUBLIC, crew()), (730, PUBLIC, crew()))
    prompt = only_prompt()
    assert (prompt.window_end - prompt.window_start).days == 730


def test_incidents_731_days_apart_are_not(town: Unit) -> None:
    plant(town, (0, CRIMINAL, crew()), (300, PUBLIC, crew()), (731, PUBLIC, crew()))
    assert current() == []


def test_the_office_window_setting_applies(town: Unit) -> None:
    AnalysisSettings.objects.create(window_days=365)
    plant(town, (0, CRIMINAL, crew()), (300, PUBLIC, crew()), (400, PUBLIC, crew()))
    assert current() == []


def test_a_rebuild_keeps_the_prompt_and_its_identity(town: Unit) -> None:
    three_cases(town)
    before = only_prompt()
    rebuild()
    after = only_prompt()
    assert after.pk == before.pk
    assert after.explanation == before.explanation


def dismiss(prompt: Prompt) -> None:
    keys = [
        f"{kind}:{pk}" for kind, pk in prompt.incidents.values_list("incident_kind", "incident_id")
    ]
    Prompt.objects.filter(pk=prompt.pk).update(
        status=PromptStatus.DISMISSED, decided_incidents=keys
    )


def test_a_dismissed_prompt_stays_dismissed_through_refreshes(town: Unit) -> None:
    three_cases(town)
    dismiss(only_prompt())
    rebuild()
    make_case(town, P("路人", id_number=id_number(77)), on=days(90))
    refresh_pending()
    assert only_prompt().status == PromptStatus.DISMISSED


def test_a_new_incident_reopens_a_dismissed_prompt_and_says_why(town: Unit) -> None:
    three_cases(town)
    dismiss(only_prompt())
    joined = make_case(town, *crew(), on=days(90))
    refresh_pending()
    prompt = only_prompt()
    assert prompt.status == PromptStatus.OPEN
    assert prompt.incidents.count() == 4
    assert joined.number in prompt.reopened_reason


def test_a_prompt_no_longer_met_leaves_the_current_list(town: Unit) -> None:
    three_cases(town)
    prompt = only_prompt()
    from saohei.cases.models import Case

    case = Case.objects.filter(number=prompt.incidents.last().number).get()  # type: ignore[union-attr]
    case.persons.all().delete()
    from saohei.common.changes import people_changed

    people_changed("case", [case.pk])
    refresh_pending()
    assert current() == []
    assert Prompt.objects.get(pk=prompt.pk).is_current is False


def test_incremental_refreshes_give_what_a_rebuild_gives(town: Unit) -> None:
    three_cases(town)
    plant(town, (90, CRIMINAL, [gatherer(), member(8, "孙八")]))
    incremental = sorted((p.level, p.explanation) for p in Prompt.objects.filter(is_current=True))
    rebuild()
    assert incremental == sorted(
        (p.level, p.explanation) for p in Prompt.objects.filter(is_current=True)
    )


def crew_lead(town: Unit, source: str) -> Lead:
    """A lead the office registered about the crew (their ID numbers as the cases have them)."""
    return register_lead(
        actor=User.objects.get(username="banshi"),
        unit=town,
        data=LeadInput(
            received_at=timezone.now() - timedelta(hours=1),
            channel=Channel.PHONE,
            source=source,
            summary="张大虎等人在码头强收看场费",
            subjects=[SubjectInput(name=p.name, id_number=p.id_number) for p in crew()],
        ),
    )


@pytest.mark.parametrize(
    ("conclusion", "counted"),
    [
        (Conclusion.CONFIRMED_FILED, True),
        (Conclusion.CONFIRMED_PUNISHED, True),
        (Conclusion.PARTLY_CONFIRMED, True),
        (Conclusion.EXCLUDED, False),
        (Conclusion.UNFOUNDED, False),
    ],
)
def test_subjects_of_a_lead_concluded_substantiated_count_as_perpetrators(
    town: Unit, conclusion: str, counted: bool
) -> None:
    today = timezone.localdate()
    for back, nature in ((100, CRIMINAL), (50, PUBLIC)):
        make_case(town, *crew(), on=today - timedelta(days=back), nature=nature)
    lead = crew_lead(town, Source.SELF_FOUND)
    refresh_pending()
    assert current() == []  # an open lead is an allegation, not an incident
    advance(lead, "concluded", conclusion=conclusion)
    refresh_pending()
    if not counted:
        assert current() == []
        return
    prompt = only_prompt()
    assert prompt.incidents.filter(incident_kind="lead", incident_id=lead.pk).exists()
    assert prompt.incidents.get(incident_kind="lead").is_criminal is (
        conclusion == Conclusion.CONFIRMED_FILED
    )
    assert prompt.members.get(person__name="张大虎").role == "gatherer"


def test_a_lead_registered_from_a_prompt_never_counts(town: Unit) -> None:
    plant(town, (0, CRIMINAL, crew()), (30, PUBLIC, crew()))
    lead = crew_lead(town, Source.ANALYSIS)
    Lead.objects.filter(pk=lead.pk).update(
        status=Status.CONCLUDED, conclusion=Conclusion.CONFIRMED_FILED
    )
    rebuild()
    assert current() == []


def test_a_refresh_that_changes_nothing_leaves_the_prompt_untouched(town: Unit) -> None:
    three_cases(town)
    before = only_prompt().updated_at
    rebuild()
    make_case(town, P("路人", id_number=id_number(77)), on=days(90))
    refresh_pending()
    assert only_prompt().updated_at == before


def test_a_member_whose_person_a_merge_deletes_is_carried_to_the_merged_person(
    town: Unit,
) -> None:
    # 王三 is known by his mobile only, so his person's key sorts after any ID number's and a
    # merge with an ID-numbered person deletes his person row (in SQL, inside the refresh).
    by_phone = P("王三", phone=mobile(3))
    people = [gatherer(), member(2, "李二狗"), by_phone]
    plant(town, (0, CRIMINAL, people), (30, PUBLIC, people), (60, PUBLIC, people))
    prompt = only_prompt()
    make_case(town, P("王三", id_number=id_number(60)), on=days(400))
    refresh_pending()
    phone_key = prompt.members.get(person__name="王三").person_key
    id_key = Person.objects.exclude(person_key=phone_key).get(name="王三").person_key
    MergeRule.objects.create(
        first_key=phone_key,
        second_key=id_key,
        reason="同一人",
        created_by=User.objects.get(username="banshi"),
    )
    refresh_persons([phone_key, id_key])
    assert not Person.objects.filter(person_key=phone_key).exists()
    prompt = only_prompt()
    assert prompt.members.get(person__name="王三").person_key == id_key
    assert prompt.members.count() == 3


def test_a_prompt_that_a_merge_undoes_keeps_no_member_of_a_deleted_person(town: Unit) -> None:
    by_phone = P("王三", phone=mobile(3))
    people = [gatherer(), member(2, "李二狗"), by_phone]
    plant(town, (0, CRIMINAL, people), (30, PUBLIC, people), (60, PUBLIC, people))
    prompt = only_prompt()
    phone_key = prompt.members.get(person__name="王三").person_key
    id_key = prompt.members.get(person__name="李二狗").person_key
    MergeRule.objects.create(
        first_key=phone_key,
        second_key=id_key,
        reason="同一人",
        created_by=User.objects.get(username="banshi"),
    )
    refresh_persons([phone_key, id_key])
    assert current() == []  # two persons are not a 恶势力
    kept = Prompt.objects.get(pk=prompt.pk)
    # The record keeps its members who still exist; the deleted person's row is gone (the
    # foreign keys are checked when the test's transaction ends).
    assert phone_key not in set(kept.members.values_list("person_key", flat=True))
    assert kept.members.count() == 2


def test_a_large_component_is_measured_in_strided_windows_and_still_finds_the_group() -> None:
    """A hub in 450 incidents over five years links everyone: windows open every STRIDE_DAYS
    (not at each incident), and the crew's three crimes are still in the strongest window."""
    hub, crew_ids = 1, (2, 3, 4)
    incidents, involvements = [], []
    for n in range(450):
        key = ("case", n)
        incidents.append(Incident("case", n, f"H{n}", days(4 * n), False, 1, ""))
        involvements += [
            Involvement(hub, key, "participant"),
            Involvement(1000 + n, key, "participant"),
        ]
    for n, day in enumerate((900, 930, 960)):
        key = ("case", 10_000 + n)
        incidents.append(Incident("case", 10_000 + n, f"C{n}", days(day), True, 1, ""))
        roles = ("gatherer", "participant", "participant")
        involvements += [Involvement(p, key, r) for p, r in zip(crew_ids, roles, strict=True)]
    involvements.append(Involvement(hub, ("case", 10_000), "participant"))
    assert len(incidents) > EXACT_WINDOWS_UP_TO
    found = best_finding(incidents, involvements, AnalysisSettings())
    assert found is not None
    assert {("case", 10_000 + n) for n in range(3)} <= found.incident_keys
    assert found.criteria["ringleader_criminal"] == 3
