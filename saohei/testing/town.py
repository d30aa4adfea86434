"""The demo town built once per xdist worker, not once per test (issue 13, decision 0040).

Tests that ask for `demo` (directly or through `town`, `user`, `client_as`, ...) used to build
the town inside their own transaction: 0.8-1.6 s each. Now the town is built in an outer
transaction that stays open across tests, as Django's `TestCase.setUpTestData` does for a
class: each test's transaction is a savepoint inside it, so its rollback goes back to the town
as built, and the town itself is never committed.

- Before every test (`pytest_runtest_setup`, ahead of any fixture) the outer transaction is
  opened and the town built if the test asks for `demo`, and rolled back if it does not: a
  test that does not ask for the town never sees it, and a test that flushes the database
  (`transactional_db`, `live_server`, `django_db(transaction=True)`) runs with no outer
  transaction, as before.
- Collection puts the tests that ask for the town next to each other, within pytest-django's
  own order (plain database tests, then transactional ones, then the rest), so that a worker
  builds it about once.
- Where the outer transaction cannot be opened (the first test of a worker, whose database is
  not set up yet, or a wider fixture holding a transaction of its own) `demo` builds the town
  inside the test, as it always did.
- A second level, the same way: a *layer* registered with `shared_layer(fixture_name)` (the
  town's history for `demo_history`; a test module's own data) is built once in a savepoint
  on top of the town for the tests that ask for that fixture, and rolled back before any test
  that does not; collection puts each layer's tests together after the town's other tests.
"""

from collections.abc import Callable, Iterator
from typing import TypeVar

import pytest
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.test.utils import override_settings
from pytest_django import DjangoDbBlocker
from pytest_django.fixtures import validate_django_db

from saohei.demo.loader import load_demo_town

FAST_HASHERS = ["saohei.conftest.FastArgon2PasswordHasher"]
_TRANSACTIONAL_FIXTURES = (
    "transactional_db",
    "live_server",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
)


def flushes_database(item: pytest.Item) -> bool:
    """pytest-django's test: the test commits and flushes instead of rolling back."""
    names = getattr(item, "fixturenames", ())
    if any(name in names for name in _TRANSACTIONAL_FIXTURES):
        return True
    marker = item.get_closest_marker("django_db")
    if marker is None:
        return False
    transactional, reset_sequences, *_ = validate_django_db(marker)
    return bool(transactional or reset_sequences)


def wants_shared_town(item: pytest.Item) -> bool:
    return "demo" in getattr(item, "fixturenames", ()) and not flushes_database(item)


_T = TypeVar("_T")
LayerBuilder = Callable[[], object]
_LAYERS: dict[str, LayerBuilder] = {}


def shared_layer(fixture_name: str) -> Callable[[Callable[[], _T]], Callable[[], _T]]:
    """Register `builder` as the layer of the tests that ask for the fixture `fixture_name`:
    run once per worker on top of the shared town, its result kept for the fixture
    (`SharedTown.layer_value`); the fixture builds it itself where it was not shared."""

    def register(builder: Callable[[], _T]) -> Callable[[], _T]:
        if _LAYERS.setdefault(fixture_name, builder) is not builder:
            raise RuntimeError(f"Two shared layers for the fixture {fixture_name!r}.")
        return builder

    return register


def wanted_layer(item: pytest.Item) -> str:
    """The layer the test asks for, or ""; one at most."""
    if not wants_shared_town(item):
        return ""
    names = getattr(item, "fixturenames", ())
    wanted = [name for name in _LAYERS if name in names]
    if len(wanted) > 1:
        raise RuntimeError(f"{item.nodeid} asks for two shared layers: {wanted}.")
    return wanted[0] if wanted else ""


@shared_layer("demo_history")
def _demo_history() -> None:
    """The seed's history on top of the town (the loader looks every object up first, so it
    builds only what the town lacks)."""
    load_demo_town(with_history=True)


class SharedTown:
    """The outer transaction holding the demo town, open or not."""

    def __init__(self, blocker: DjangoDbBlocker) -> None:
        self.blocker = blocker
        self.atomic: transaction.Atomic | None = None
        self.layer: tuple[str, transaction.Atomic, object] | None = None

    @property
    def is_open(self) -> bool:
        return self.atomic is not None

    def has_layer(self, name: str) -> bool:
        return self.layer is not None and self.layer[0] == name

    def layer_value(self, name: str) -> object:
        """What the layer's builder returned, or None where the layer is not open."""
        return self.layer[2] if self.layer is not None and self.layer[0] == name else None

    def open(self) -> None:
        if self.atomic is not None:
            return
        with self.blocker.unblock():
            if connections[DEFAULT_DB_ALIAS].in_atomic_block:
                return  # someone else's transaction: `demo` builds the town inside the test
            atomic = transaction.atomic(using=DEFAULT_DB_ALIAS)
            # Marked as Django's TestCase marks its own, so `atomic(durable=True)` in a test
            # still sees only test-case blocks around it.
            atomic._from_testcase = True  # type: ignore[attr-defined]
            atomic.__enter__()
            try:
                with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
                    load_demo_town(with_history=False)
            except BaseException:
                transaction.set_rollback(True, using=DEFAULT_DB_ALIAS)
                atomic.__exit__(None, None, None)
                raise
            self.atomic = atomic

    def open_layer(self, name: str) -> None:
        if self.has_layer(name):
            return
        self.close_layer()
        if self.atomic is None:
            return
        with self.blocker.unblock():
            if connections[DEFAULT_DB_ALIAS].atomic_blocks != [self.atomic]:
                return  # someone else's transaction: the fixture builds the layer in the test
            atomic = transaction.atomic(using=DEFAULT_DB_ALIAS)
            atomic._from_testcase = True  # type: ignore[attr-defined]
            atomic.__enter__()
            try:
                with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
                    value = _LAYERS[name]()
            except BaseException:
                transaction.set_rollback(True, using=DEFAULT_DB_ALIAS)
                atomic.__exit__(None, None, None)
                raise
            self.layer = (name, atomic, value)

    def close_layer(self) -> None:
        if self.layer is None:
            return
        with self.blocker.unblock():
            self._check_blocks([self.atomic, self.layer[1]])
            (_, atomic, _), self.layer = self.layer, None
            transaction.set_rollback(True, using=DEFAULT_DB_ALIAS)
            atomic.__exit__(None, None, None)

    def _check_blocks(self, expected: list[transaction.Atomic | None]) -> None:
        if connections[DEFAULT_DB_ALIAS].atomic_blocks != expected:
            raise RuntimeError(
                "A transaction opened during a test is still open over the shared demo "
                "town; a test that does not ask for the town would see it."
            )

    def drop_if_broken(self) -> None:
        """A test that served a request through the real handler (`close_old_connections`) or
        closed the connection loses it, the town's transaction with it (PostgreSQL; SQLite's
        in-memory test database is never closed). Before, the next test simply reconnected;
        now the next test rebuilds the town on a new connection."""
        if self.atomic is None:
            return
        with self.blocker.unblock():
            connection = connections[DEFAULT_DB_ALIAS]
            if not (
                connection.closed_in_transaction
                or connection.needs_rollback
                or connection.connection is None
                or not connection.is_usable()
            ):
                return
            self.close()

    def close(self) -> None:
        if self.atomic is None:
            return
        self.close_layer()
        with self.blocker.unblock():
            self._check_blocks([self.atomic])
            atomic, self.atomic = self.atomic, None
            transaction.set_rollback(True, using=DEFAULT_DB_ALIAS)
            atomic.__exit__(None, None, None)


_shared: SharedTown | None = None


@pytest.fixture(scope="session")
def shared_town(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[SharedTown]:
    """One per worker; rolled back before the test database is destroyed."""
    global _shared
    _shared = SharedTown(django_db_blocker)
    try:
        yield _shared
    finally:
        _shared.close()
        _shared = None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    if _shared is None:
        return
    _shared.drop_if_broken()
    if layer := wanted_layer(item):
        _shared.open()
        _shared.open_layer(layer)
    elif wants_shared_town(item):
        _shared.close_layer()
        _shared.open()
    else:
        _shared.close()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """After pytest-django's sort (and any shuffling): within each of its groups, the tests
    that share the town last, together, and of those the ones that share a layer last, each
    layer's together. The sort is stable, so any other order is kept."""
    items.sort(key=lambda item: (_django_group(item), wants_shared_town(item), wanted_layer(item)))


def _django_group(item: pytest.Item) -> int:
    names = getattr(item, "fixturenames", ())
    if flushes_database(item):
        return 1
    if item.get_closest_marker("django_db") is not None or "db" in names:
        return 0
    return 2
