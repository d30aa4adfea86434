"""Person pickers for every staff form (decision 0020).

One definition of whom a form may offer (`people_for`: active case workers under a unit, with
one of the roles that do the thing, in the org tree's order), how a person is labelled
(`单位·姓名`), how one person field is narrowed by a unit field (client: `pickers.js` hides the
options outside the chosen unit; server: `narrow_by_unit` refuses them beside the field), and
how several people are chosen (`PeopleCheckboxes`: checkboxes grouped by unit, 全选本单位, a
search box).
"""

from collections.abc import Iterable
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.forms.models import ModelChoiceIterator

from saohei.common.forms import PICK_ONE, StyledForm
from saohei.common.roles import Role
from saohei.organisations.models import Unit, User
from saohei.organisations.queries import OUTSIDE_UNIT, list_case_workers_under, users_holding


def people_for(under: Unit, *, roles: Iterable[Role] | None = None) -> QuerySet[User]:
    """Whom a person picker offers: case workers under `under`, holding one of `roles` if given
    (the picker fields show them in the org tree's order)."""
    people = list_case_workers_under(under)
    if roles is not None:
        people = users_holding(roles, among=people)
    return people.order_by("unit__path", "real_name", "username")


def _path_ids(unit: Unit | None) -> list[int]:
    return [int(part) for part in unit.path.strip("/").split("/")] if unit else []


def tree_ordered(records: list[Any]) -> list[Any]:
    """Units, or people by their unit, in the org tree's order: siblings by their 排序 and then
    id, each unit before what is under it. (`path` alone sorts "/1/2/10/" before "/1/2/3/".)"""
    units = [record if isinstance(record, Unit) else record.unit for record in records]
    ancestor_ids = {pk for unit in units for pk in _path_ids(unit)}
    order = dict(Unit.objects.filter(pk__in=ancestor_ids).values_list("pk", "sort_order"))

    def key(pair: tuple[Any, Unit | None]) -> tuple[Any, ...]:
        record, unit = pair
        tree = tuple((order.get(pk, 0), pk) for pk in _path_ids(unit))
        if isinstance(record, User):
            return (tree, record.real_name, record.username)
        return (tree,)

    return [record for record, _unit in sorted(zip(records, units, strict=True), key=key)]


class TreeOrderedChoices(ModelChoiceIterator):
    """A record choice's options in the org tree's order (see `tree_ordered`)."""

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for record in tree_ordered(list(self.queryset)):
            yield self.choice(record)


class UnitChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """One unit (承办单位, 责任单位, 所属村), in the org tree's order."""

    iterator = TreeOrderedChoices

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", Unit.objects.none())
        kwargs.setdefault("empty_label", PICK_ONE)
        super().__init__(*args, **kwargs)


def person_label(person: User) -> str:
    unit = person.unit.name if person.unit else "未分配单位"
    return f"{unit}·{person.real_name or person.username}"


def _unit_ids(person: User) -> str:
    # The person's unit and all its ancestors: a unit chosen anywhere above keeps the person.
    return " ".join(str(pk) for pk in _path_ids(person.unit))


class PersonSelect(forms.Select):
    """A person `<select>` whose options name their units, for `pickers.js` to narrow."""

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        instance = getattr(option["value"], "instance", None)
        if isinstance(instance, User):
            option["attrs"]["data-units"] = _unit_ids(instance)
        return option


class PersonChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """One person: labelled `单位·姓名`, in the org tree's order, "请选择" when nothing is chosen."""

    widget = PersonSelect
    iterator = TreeOrderedChoices

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", User.objects.none())
        kwargs.setdefault("empty_label", PICK_ONE)
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        return person_label(obj)


class PeopleCheckboxes(forms.CheckboxSelectMultiple):
    """Several people: checkboxes grouped by unit, each group with 全选本单位, and a search box.

    Works without JavaScript (plain checkboxes); `pickers.js` adds the search, the per-unit
    select-all and the running count.
    """

    template_name = "organisations/widgets/people_checkboxes.html"

    def get_context(self, name: str, value: Any, attrs: Any) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        groups: list[dict[str, Any]] = []
        for _group, options, _index in context["widget"]["optgroups"]:
            for option in options:
                instance = getattr(option["value"], "instance", None)
                unit = instance.unit if isinstance(instance, User) else None
                unit_name = unit.name if unit else "未分配单位"
                if not groups or groups[-1]["name"] != unit_name:
                    groups.append({"name": unit_name, "options": []})
                if isinstance(instance, User):
                    option["person_name"] = instance.real_name or instance.username
                    option["position"] = instance.position
                groups[-1]["options"].append(option)
        context["widget"]["unit_groups"] = groups
        return context


class PeopleChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    """Several people, chosen with `PeopleCheckboxes`, grouped by unit in the org tree's order."""

    widget = PeopleCheckboxes
    iterator = TreeOrderedChoices

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", User.objects.none())
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        return person_label(obj)


def narrow_by_unit(form: StyledForm, *, person: str, unit: str) -> None:
    """Tie person field `person` to unit field `unit`: the browser hides the people outside the
    chosen unit, and the form refuses such a person beside the field."""
    form.fields[person].widget.attrs["data-narrow-by"] = form[unit].auto_id

    def refuse_outside(bound: StyledForm) -> None:
        chosen_person = bound.cleaned_data.get(person)
        chosen_unit = bound.cleaned_data.get(unit)
        if not isinstance(chosen_person, User) or not isinstance(chosen_unit, Unit):
            return
        if chosen_person.unit is None or not chosen_person.unit.path.startswith(chosen_unit.path):
            bound.add_error(person, OUTSIDE_UNIT)

    form.add_cross_check(refuse_outside)


# The village filter's value for records tied to no village (镇本级), e.g. from a home-page chart.
NO_VILLAGE = "none"


class _VillageChoices(TreeOrderedChoices):
    def __iter__(self) -> Any:
        choices = super().__iter__()
        if self.field.empty_label is not None:
            yield next(choices)
        yield (NO_VILLAGE, getattr(self.field, "no_village_label", ""))
        yield from choices

    def __len__(self) -> int:
        return super().__len__() + 1


class VillageFilterField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A village of the viewer's scope, or `none`: the records tied to no village."""

    iterator = _VillageChoices

    def __init__(self, *args: Any, no_village_label: str, **kwargs: Any) -> None:
        self.no_village_label = no_village_label
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> Any:
        if value == NO_VILLAGE:
            return NO_VILLAGE
        return super().to_python(value)


def village_filter(value: Any) -> tuple[int | None, bool]:
    """A cleaned `VillageFilterField` value as (village id, whether only records without one)."""
    if value == NO_VILLAGE:
        return None, True
    return (value.pk if value else None), False
