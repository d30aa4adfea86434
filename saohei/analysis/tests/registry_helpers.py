"""Cases written straight into the cases tables (as an import would), for the registry's tests."""

import itertools
from dataclasses import dataclass, field
from datetime import date

from stdnum.cn import ric

from saohei.analysis.models import (
    Appearance,
    IdentifierExclusion,
    MergeRule,
    Person,
    PersonIdentifier,
    SamePersonSuggestion,
    SplitRule,
)
from saohei.analysis.models import SharedIdentifier as Shared
from saohei.cases.models import Case, CasePerson, CasePersonPlate, Nature
from saohei.common.changes import people_changed
from saohei.common.phones import clean_phone, mask_phone
from saohei.common.pii import seal
from saohei.organisations.models import Unit, User

_numbers = itertools.count(1)


def id_number(serial: int, born: str = "19800101") -> str:
    body = f"370982{born}{serial % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def mobile(serial: int) -> str:
    return f"139{serial:08d}"


@dataclass
class P:
    name: str
    role: str = "participant"
    id_number: str = ""
    phone: str = ""
    # A police export's second number (a fixed line, say): case persons only.
    phone2: str = ""
    village: Unit | None = None
    plates: list[str] = field(default_factory=list)


def make_case(
    town: Unit,
    *persons: P,
    on: date = date(2024, 5, 1),
    nature: str = Nature.CRIMINAL,
    village: Unit | None = None,
    motive: str = "",
    means: str = "",
) -> Case:
    case = Case.objects.create(
        unit=town,
        number=f"T{next(_numbers):06d}",
        cause="寻衅滋事",
        nature=nature,
        occurred_on=on,
        village=village or next((p.village for p in persons if p.village), None),
        motive=motive,
        means=means,
    )
    for person in persons:
        set_person(case, person)
    people_changed("case", [case.pk])
    return case


def set_person(case: Case, person: P) -> CasePerson:
    row = CasePerson(case=case, name=person.name, role=person.role)
    if person.id_number:
        row.seal_id_number(person.id_number)
    if person.phone:
        phone = clean_phone(person.phone)
        row.set_phone(seal("phone", phone), masked=mask_phone(phone))
    if person.phone2:
        phone = clean_phone(person.phone2)
        row.set_second_phone(seal("phone", phone), masked=mask_phone(phone))
    row.save()
    for plate in person.plates:
        CasePersonPlate.objects.create(person=row, number=plate)
    return row


def registry_state() -> dict[str, object]:
    """Everything the registry derives, by keys (row ids differ between runs)."""
    return {
        "appearances": sorted(
            Appearance.objects.values_list("incident_kind", "source_id", "person_key")
        ),
        "linked": Appearance.objects.filter(person__isnull=True).count(),
        "persons": sorted(
            Person.objects.values_list(
                "person_key",
                "name",
                "village_id",
                "appearance_count",
                "perpetrator_count",
                "first_seen",
                "last_seen",
            )
        ),
        "identifiers": sorted(
            PersonIdentifier.objects.values_list(
                "person__person_key", "kind", "value", "appearance_count"
            )
        ),
        "shared": sorted(Shared.objects.values_list("kind", "value", "distinct_names")),
        "suggestions": sorted(
            SamePersonSuggestion.objects.values_list("first_key", "second_key", "status")
        ),
    }


def person_of(case: Case, name: str) -> Person:
    """The person the case's row of this name resolved to."""
    source = CasePerson.objects.get(case=case, name=name)
    person = Appearance.objects.get(incident_kind="case", source_id=source.pk).person
    assert person is not None
    return person


def plant_corrections(first: Person, second: Person, office: User) -> dict[str, int]:
    """One of each of the office's corrections on two persons, written straight (the access
    matrices need the objects, not the services' effects): a merge, a split of `first`'s first
    appearance, a 疑似同一人 suggestion, an over-shared mobile and an exclusion-list entry."""
    appearance = Appearance.objects.filter(person=first).order_by("id")[0]
    # The demo's people have no mobile: one appearance is given a (derived) one to be shared.
    Appearance.objects.filter(pk=appearance.pk).update(
        phone_index="矩阵测试", phone_masked="139****0000"
    )
    merge = MergeRule.objects.create(
        first_key=first.person_key,
        second_key=second.person_key,
        reason="矩阵测试",
        created_by=office,
    )
    split = SplitRule.objects.create(
        incident_kind=appearance.incident_kind,
        source_id=appearance.source_id,
        reason="矩阵测试",
        created_by=office,
    )
    suggestion = SamePersonSuggestion.objects.create(
        first_key=first.person_key, second_key=second.person_key, name=first.name
    )
    exclusion = IdentifierExclusion.objects.create(
        kind="phone",
        value="矩阵测试排除",
        masked="139****0001",
        reason="矩阵测试",
        created_by=office,
    )
    shared = Shared.objects.create(kind="phone", value="矩阵测试", masked="139****0000")
    return {
        "appearance_id": appearance.pk,
        "merge_id": merge.pk,
        "split_id": split.pk,
        "suggestion_id": suggestion.pk,
        "exclusion_id": exclusion.pk,
        "shared_id": shared.pk,
    }
