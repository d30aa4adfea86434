"""Whose saved mappings a user may see and correct, decided here and nowhere else: a mapping of
a town and kind is the business of whoever may import that kind for that town (the context's
rule, `registry`); everyone else gets 403 for the pages and 404 for a mapping's id."""

from django.db.models import Q, QuerySet
from django.http import Http404

from saohei.common.roles import Role
from saohei.organisations.models import Unit, UnitQuerySet, User
from saohei.organisations.queries import OFFICE_ROLES
from saohei.sheets.models import SenderMapping
from saohei.sheets.registry import RegisteredKind, registered_kind, registered_kinds


def mapping_towns(user: User) -> UnitQuerySet:
    """Towns for which the user may import at least one registered kind."""
    condition = Q(pk__in=[])
    for registered in registered_kinds():
        condition |= Q(pk__in=registered.import_towns(user).values("pk"))
    return Unit.objects.filter(condition)


def visible_mappings(user: User) -> QuerySet[SenderMapping]:
    condition = Q(pk__in=[])
    for registered in registered_kinds():
        towns = registered.import_towns(user).values("pk")
        condition |= Q(kind=registered.kind.key, unit__in=towns)
    return SenderMapping.objects.filter(condition)


def get_mapping_for_user(user: User, mapping_id: int) -> SenderMapping:
    """The mapping if this user may import its kind for its town; otherwise 404, so ids cannot
    be probed."""
    mapping = (
        visible_mappings(user).filter(pk=mapping_id).select_related("unit", "updated_by").first()
    )
    if mapping is None:
        raise Http404("对照不存在或您无权查看")
    return mapping


def may_manage(user: User, *, unit: Unit, kind: str) -> bool:
    registered = registered_kind(kind)
    return (
        user.is_authenticated
        and registered is not None
        and registered.import_towns(user).filter(pk=unit.pk).exists()
    )


# Who imports any sheet: the office (交办清单, police cases) and the station's police (cases).
# The pages ask this first; which towns and kinds are each context's own rule, above.
MAPPING_ROLES = frozenset(OFFICE_ROLES | {Role.POLICE_OFFICER})


def manageable_kinds(user: User) -> list[RegisteredKind]:
    """The kinds the user may import for at least one town, in registration order."""
    return [
        registered for registered in registered_kinds() if registered.import_towns(user).exists()
    ]
