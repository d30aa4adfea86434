"""Disjoint sets of keys (union–find), for the few places that join things pairwise in Python:
the office's merge rules, co-offender groups, the linked sets of a prompt's window."""

from collections import defaultdict
from collections.abc import Hashable, Iterable, Iterator
from typing import Any, Generic, Protocol, TypeVar


class _Key(Hashable, Protocol):
    def __lt__(self, other: Any, /) -> bool: ...


K = TypeVar("K", bound=_Key)


class UnionFind(Generic[K]):
    """Each set's root is its smallest key, so a set's name does not depend on the order of the
    unions. Keys are kept in the order they were first named."""

    def __init__(self, keys: Iterable[K] = ()) -> None:
        self._parent: dict[K, K] = {key: key for key in keys}

    def find(self, key: K) -> K:
        """The root of `key`'s set (a key never named before is a set of its own)."""
        parent = self._parent
        parent.setdefault(key, key)
        while parent[key] != key:
            # Path halving: each visited key skips to its grandparent.
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    def union(self, first: K, second: K) -> None:
        root, other = self.find(first), self.find(second)
        if other < root:
            root, other = other, root
        if root != other:
            self._parent[other] = root

    def __iter__(self) -> Iterator[K]:
        """Every key named so far, in the order first named."""
        return iter(list(self._parent))

    def sets(self) -> list[set[K]]:
        """The sets, in the order of their first-named key."""
        members: dict[K, set[K]] = defaultdict(set)
        for key in self:
            members[self.find(key)].add(key)
        return list(members.values())
