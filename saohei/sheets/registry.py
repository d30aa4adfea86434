"""The import kinds whose saved mappings the office may see and correct, each with its context's
rule for who may import which town. A context registers its kinds in its app's `ready()`: the
pipeline knows sheets, not who imports police cases or 交办清单."""

from collections.abc import Callable
from dataclasses import dataclass

from saohei.organisations.models import UnitQuerySet, User
from saohei.sheets.kinds import ImportKind


@dataclass(frozen=True)
class RegisteredKind:
    kind: ImportKind
    # The towns whose sheets of this kind the user may import: the same towns' mappings are
    # the user's to see and correct.
    import_towns: Callable[[User], UnitQuerySet]
    # Whether the import reads this kind's column mapping (the case import's value kind keeps
    # words only: its columns are each table's kind).
    has_columns: bool = True


_REGISTRY: dict[str, RegisteredKind] = {}


def register_kind(
    kind: ImportKind,
    *,
    import_towns: Callable[[User], UnitQuerySet],
    has_columns: bool = True,
) -> None:
    _REGISTRY[kind.key] = RegisteredKind(
        kind=kind, import_towns=import_towns, has_columns=has_columns
    )


def registered_kinds() -> list[RegisteredKind]:
    return list(_REGISTRY.values())


def registered_kind(key: str) -> RegisteredKind | None:
    return _REGISTRY.get(key)
