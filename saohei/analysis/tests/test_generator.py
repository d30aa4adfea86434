import csv
import io
from collections import defaultdict
from datetime import timedelta

import openpyxl
import pytest
from django.core.management import call_command
from stdnum.cn import ric

from saohei.analysis.generator import (
    BULLYING_MEANS,
    DISPUTE_MOTIVES,
    MIN_INCIDENTS,
    MIN_MEMBERS,
    PERPETRATOR_ROLES,
    PROFIT,
    WINDOW_DAYS,
    CaseRecord,
    DecoyKind,
    GroupLevel,
    HistoryRecord,
    expected_level,
    generate_history,
    numbered_towns,
    split_history,
)
from saohei.analysis.generator_writer import town_units, write_history
from saohei.audit.models import AuditAction, AuditEvent
from saohei.cases.models import Case, CasePerson, CasePersonPlate, Means, Motive, Nature, PersonRole
from saohei.city_assignments.models import AssignedTown
from saohei.common.pii import blind_index
from saohei.common.plates import plate_problem
from saohei.common.roles import Role
from saohei.demo import example_town
from saohei.leads.models import Lead, Subject
from saohei.organisations.models import RoleGrant, Unit, UnitKind, User

TOWNS = numbered_towns(2, villages_per_town=6)


def _history(
    *, seed: int = 11, years: range = range(2019, 2024), groups: int = 3, decoys: int = 1
) -> list[HistoryRecord]:
    """Small on purpose: 2 towns, 40 background cases a town and year."""
    return list(
        generate_history(
            seed=seed,
            towns=TOWNS,
            years=years,
            cases_per_town_year=40,
            groups=groups,
            decoys=decoys,
        )
    )


def _qualifying(case: CaseRecord) -> bool:
    """DOMAIN.md §3.1 exclusions: disputes, and pure profit without violence, threat or 软暴力."""
    if case.motive in DISPUTE_MOTIVES:
        return False
    return not (case.motive == PROFIT and case.means not in BULLYING_MEANS)


def _prompting_clusters(cases: list[CaseRecord]) -> list[set[str]]:
    """A reference reading of §3.1 on the ground-truth identities (perfect identity resolution):
    perpetrators joined through qualifying incidents; a cluster prompts when some 730-day window
    holds 3+ of its incidents, one of them 刑事, with 3+ members and someone recurring."""
    parent: dict[int, int] = {}

    def find(key: int) -> int:
        while parent.setdefault(key, key) != key:
            key = parent[key]
        return key

    eligible = [case for case in cases if _qualifying(case)]
    for case in eligible:
        keys = [p.person_key for p in case.persons if p.role in PERPETRATOR_ROLES]
        for key in keys[1:]:
            parent[find(key)] = find(keys[0])
    clusters: dict[int, list[CaseRecord]] = defaultdict(list)
    for case in eligible:
        keys = [p.person_key for p in case.persons if p.role in PERPETRATOR_ROLES]
        if keys:
            clusters[find(keys[0])].append(case)
    prompting = []
    for incidents in clusters.values():
        incidents.sort(key=lambda case: case.occurred_on)
        for first in incidents:
            inside = [
                case
                for case in incidents
                if first.occurred_on
                <= case.occurred_on
                < first.occurred_on + timedelta(WINDOW_DAYS)
            ]
            appearances: dict[int, int] = defaultdict(int)
            for case in inside:
                for person in case.persons:
                    if person.role in PERPETRATOR_ROLES:
                        appearances[person.person_key] += 1
            if (
                len(inside) >= MIN_INCIDENTS
                and any(case.nature == "criminal" for case in inside)
                and len(appearances) >= MIN_MEMBERS
                and any(count >= 2 for count in appearances.values())
            ):
                prompting.append({case.number for case in incidents})
                break
    return prompting


def test_same_seed_gives_the_same_records_and_another_seed_does_not() -> None:
    assert _history() == _history()
    assert _history() != _history(seed=12)


def test_every_id_number_is_valid_and_every_mobile_and_plate_well_formed() -> None:
    cases, _, _ = split_history(_history())
    persons = [person for case in cases for person in case.persons]
    id_numbers = [person.id_number for person in persons if person.id_number]
    assert id_numbers and all(ric.is_valid(number) for number in id_numbers)
    phones = [person.phone for person in persons if person.phone]
    assert phones and all(len(p) == 11 and p[0] == "1" and p[1] in "3456789" for p in phones)
    plates = [plate for person in persons for plate in person.plates]
    assert plates and all(plate_problem(plate) is None for plate in plates)


def test_choice_values_are_the_case_models_choices() -> None:
    cases, _, _ = split_history(_history())
    assert {case.nature for case in cases} <= set(Nature.values)
    assert {case.means for case in cases} <= set(Means.values)
    assert {case.motive for case in cases} <= set(Motive.values)
    roles = {person.role for case in cases for person in case.persons}
    assert roles == set(PersonRole.values)


def test_one_identity_keeps_one_id_number_and_distinct_people_never_share_one() -> None:
    cases, _, _ = split_history(_history())
    owners: dict[str, set[int]] = defaultdict(set)
    numbers: dict[int, set[str]] = defaultdict(set)
    for person in (person for case in cases for person in case.persons):
        if person.id_number:
            owners[person.id_number].add(person.person_key)
            numbers[person.person_key].add(person.id_number)
    assert all(len(keys) == 1 for keys in owners.values())
    assert all(len(values) == 1 for values in numbers.values())


def test_case_numbers_are_unique_and_run_in_date_order_per_town_and_year() -> None:
    cases, _, _ = split_history(_history())
    assert len({(case.town, case.number) for case in cases}) == len(cases)
    by_year: dict[tuple[str, int], list[CaseRecord]] = defaultdict(list)
    for case in cases:
        by_year[(case.town, case.occurred_on.year)].append(case)
    for (_, year), rows in by_year.items():
        assert [case.number.split("-")[-2] for case in rows] == [str(year)] * len(rows)
        assert [case.occurred_on for case in rows] == sorted(case.occurred_on for case in rows)


def test_planted_groups_ground_truth_matches_their_cases() -> None:
    cases, groups, _ = split_history(_history(groups=6))
    by_number = {(case.town, case.number): case for case in cases}
    assert {group.expected_level for group in groups} == set(GroupLevel)
    for group in groups:
        incidents = [by_number[(group.town, number)] for number in group.case_numbers]
        assert len(incidents) >= MIN_INCIDENTS
        assert (group.window_end - group.window_start).days < WINDOW_DAYS
        assert all(group.window_start <= case.occurred_on <= group.window_end for case in incidents)
        assert all(case.origin == f"group:{group.key}" for case in incidents)
        criminal = [case.number for case in incidents if case.nature == Nature.CRIMINAL]
        assert tuple(criminal) == group.criminal_case_numbers and criminal
        perpetrators = {
            p.person_key for case in incidents for p in case.persons if p.role in PERPETRATOR_ROLES
        }
        assert perpetrators == {member.key for member in group.members}
        leader = group.ringleader.key
        leader_roles = {
            p.role for case in incidents for p in case.persons if p.person_key == leader
        }
        assert leader_roles == {group.ringleader_role}
        joint = [
            case
            for case in incidents
            if case.nature == Nature.CRIMINAL
            and leader in {p.person_key for p in case.persons}
            and len({p.person_key for p in case.persons if p.role in PERPETRATOR_ROLES}) >= 2
        ]
        assert len(joint) == group.joint_crimes_with_ringleader
        assert group.expected_level == expected_level(
            members=len(perpetrators), joint_crimes_with_ringleader=len(joint)
        )
        assert all(_qualifying(case) for case in incidents)


def test_members_vary_in_what_each_case_records_but_each_appearance_is_identifiable() -> None:
    cases, groups, _ = split_history(_history(groups=6))
    members = {member.key for group in groups for member in group.members}
    appearances = [p for case in cases for p in case.persons if p.person_key in members]
    assert all(p.id_number or p.phone for p in appearances)
    assert any(not p.phone for p in appearances)
    assert any(not p.id_number for p in appearances)
    # Every member is once recorded with both, so exact identifiers can join all appearances.
    complete = {p.person_key for p in appearances if p.id_number and p.phone}
    assert complete == members


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_exactly_the_planted_groups_prompt_under_perfect_identity(seed: int) -> None:
    cases, groups, decoys = split_history(_history(seed=seed, groups=10, decoys=2))
    assert {decoy.kind for decoy in decoys} == set(DecoyKind)
    # Each group's incidents form one cluster: none of its members acts apart from the rest.
    prompting = _prompting_clusters(cases)
    assert sorted(map(sorted, prompting)) == sorted(sorted(g.case_numbers) for g in groups)


def test_decoys_look_like_what_they_are() -> None:
    cases, _, decoys = split_history(_history(decoys=1))
    by_number = {(case.town, case.number): case for case in cases}
    for decoy in decoys:
        incidents = [by_number[(decoy.town, number)] for number in decoy.case_numbers]
        natures = {case.nature for case in incidents}
        if decoy.kind == DecoyKind.SHARED_PHONE:
            phones = {
                p.phone for case in incidents for p in case.persons if p.role == "participant"
            }
            shared = [phone for phone in phones if phone]
            holders = {
                p.person_key
                for case in incidents
                for p in case.persons
                if p.phone and p.phone in shared
            }
            assert len(holders) >= 12
        elif decoy.kind == DecoyKind.COMMON_NAMES:
            namesakes = [case.persons[0] for case in incidents]
            assert len({p.name for p in namesakes}) == 1
            assert len({p.person_key for p in namesakes}) == len(namesakes) >= 3
            assert len({case.village for case in incidents}) == len(incidents)
        elif decoy.kind == DecoyKind.PUBLIC_SECURITY_ONLY:
            assert natures == {Nature.PUBLIC_SECURITY} and len(incidents) >= 4
        elif decoy.kind == DecoyKind.SPREAD_OUT:
            days = sorted(case.occurred_on for case in incidents)
            assert all((b - a).days > WINDOW_DAYS for a, b in zip(days, days[2:], strict=False))
        elif decoy.kind == DecoyKind.DISPUTE_BRAWLS:
            assert {case.motive for case in incidents} <= DISPUTE_MOTIVES
        elif decoy.kind in (DecoyKind.LONE_OFFENDER, DecoyKind.PAIR):
            perpetrators = {
                p.person_key
                for case in incidents
                for p in case.persons
                if p.role in PERPETRATOR_ROLES
            }
            assert len(perpetrators) == (1 if decoy.kind == DecoyKind.LONE_OFFENDER else 2)
            assert Nature.CRIMINAL in natures and len(incidents) >= 3


def test_a_spread_out_decoy_is_left_out_of_a_two_year_history() -> None:
    _, _, decoys = split_history(_history(years=range(2022, 2024)))
    assert DecoyKind.SPREAD_OUT not in {decoy.kind for decoy in decoys}


@pytest.mark.django_db
def test_write_history_writes_every_case_person_and_plate_sealed_once_per_identity() -> None:
    records = _history()
    cases, _, _ = split_history(records)
    unit_for_town, village_for_name = town_units(TOWNS, parent=None)

    report = write_history(
        records, unit_for_town=unit_for_town, village_for_name=village_for_name, batch_size=50
    )

    persons = [person for case in cases for person in case.persons]
    plates = sum(len(person.plates) for person in persons)
    assert (report.cases, report.persons, report.plates) == (len(cases), len(persons), plates)
    assert Case.objects.count() == len(cases)
    assert CasePerson.objects.count() == len(persons)
    assert CasePersonPlate.objects.count() == plates
    distinct = {("i", p.id_number) for p in persons if p.id_number}
    distinct |= {("p", p.phone) for p in persons if p.phone}
    assert report.sealed == len(distinct) < sum(bool(p.id_number) + bool(p.phone) for p in persons)
    sample = next(p for p in persons if p.id_number and p.phone)
    stored = CasePerson.objects.filter(id_number_index=blind_index("id_number", sample.id_number))
    assert stored.exists()
    assert stored.first().unsealed_id_number() == sample.id_number  # type: ignore[union-attr]
    first = cases[0]
    case = Case.objects.get(number=first.number, unit=unit_for_town[first.town])
    assert case.village == village_for_name[(first.town, first.village)]
    assert (case.nature, case.means, case.motive) == (first.nature, first.means, first.motive)
    assert (case.occurred_on, case.occurred_time) == (first.occurred_on, first.occurred_time)
    assert case.summary == first.summary and case.created_at is not None
    events = AuditEvent.objects.filter(action=AuditAction.CASES_IMPORTED)
    assert events.count() == 2 and all(event.details["generated"] for event in events)


@pytest.mark.django_db
def test_generate_cases_command_writes_and_prints_rows_per_second() -> None:
    out = io.StringIO()
    call_command("generate_cases", towns=1, cases=20, years=3, seed=5, stdout=out)
    assert "每秒" in out.getvalue()
    assert Case.objects.count() >= 60
    with pytest.raises(Exception, match="已有案件"):
        call_command("generate_cases", towns=1, cases=20, years=3, seed=5, stdout=io.StringIO())


def test_candidate_files_are_the_ones_the_example_town_builds() -> None:
    gbk = example_town.CANDIDATE_FILE.with_suffix(".csv").read_bytes()
    assert gbk == example_town.candidate_csv()
    rows = list(csv.reader(io.StringIO(gbk.decode("gbk"))))
    assert tuple(rows[0]) == example_town.CANDIDATE_COLUMNS
    workbook = openpyxl.load_workbook(example_town.CANDIDATE_FILE.with_suffix(".xlsx"))
    cells = [[str(cell) for cell in row] for row in workbook.active.iter_rows(values_only=True)]  # type: ignore[union-attr]
    assert cells == rows and len(rows) == 13


def test_example_towns_history_plants_one_criminal_group_among_decoys() -> None:
    cases, groups, decoys = split_history(example_town.example_history())
    (group,) = groups
    assert group.expected_level == GroupLevel.CRIMINAL_GROUP
    assert {decoy.kind for decoy in decoys} == set(example_town.DECOY_KINDS)
    assert _prompting_clusters(cases) == [set(group.case_numbers)]


@pytest.mark.django_db
def test_demo_loads_the_example_town_with_its_cases_lead_and_candidates() -> None:
    call_command("load_demo", stdout=io.StringIO())
    town = Unit.objects.get(name=example_town.TOWN.name, kind=UnitKind.TOWN)
    assert town.parent is not None and town.parent.name == "荣成市扫黑办"
    assert sorted(Unit.objects.filter(parent=town).values_list("name", flat=True)) == sorted(
        [*example_town.TOWN.villages, example_town.POLICE_STATION]
    )
    for username, *_ in example_town.STAFF:
        assert User.objects.get(username=username).check_password("Saohei@2026")
    assert RoleGrant.objects.filter(
        user__username="banshi2", role=Role.OFFICE_STAFF, unit=town
    ).exists()
    cases, group, _ = split_history(example_town.example_history())
    assert Case.objects.filter(unit=town).count() == len(cases)
    # 港西镇 stays as the seed had it.
    gangxi = Unit.objects.get(name="港西镇")
    assert Case.objects.filter(unit=gangxi).count() == 15
    # load_demo adds the city's two assignments (decision 0062) to the seed's 14 leads.
    city_leads = AssignedTown.objects.filter(lead__unit=gangxi).count()
    assert city_leads == 2
    assert Lead.objects.filter(unit=gangxi).count() == 14 + city_leads
    assert Lead.objects.filter(unit=town).count() == 1

    def perpetrator_cases(id_number: str) -> set[str]:
        index = blind_index("id_number", id_number)
        return set(
            CasePerson.objects.filter(
                id_number_index=index, role__in=PERPETRATOR_ROLES, case__unit=town
            ).values_list("case__number", flat=True)
        )

    candidates = example_town.candidate_rows()
    in_group = [row for row in candidates if perpetrator_cases(row[2])]
    assert len(in_group) == 2
    assert all(perpetrator_cases(row[2]) <= set(group[0].case_numbers) for row in in_group)
    subjects = [
        row
        for row in candidates
        if Subject.objects.filter(
            lead__unit=town, id_number_index=blind_index("id_number", row[2])
        ).exists()
    ]
    assert [row[1] for row in subjects] == [example_town.LEAD_SUBJECT[1]]
    clean = [row for row in candidates if row not in in_group and row not in subjects]
    assert len(clean) == 9
    for row in clean:
        index = blind_index("id_number", row[2])
        assert not CasePerson.objects.filter(id_number_index=index).exists()
        assert not Subject.objects.filter(id_number_index=index).exists()
