"""SQLite settings for the length of one block, for the few bulk writers that need them."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection


@contextmanager
def sqlite_pragmas(**pragmas: int) -> Iterator[None]:
    """`PRAGMA name = value` for each of `pragmas` (a schema-qualified name written with a
    double underscore: `main__cache_size`) on this connection, the values before restored
    afterwards. Nothing on another engine. Connections are reused between requests, so a
    setting must never outlive the block that asked for it."""
    if connection.vendor != "sqlite":
        yield
        return
    names = {key: key.replace("__", ".") for key in pragmas}
    with connection.cursor() as cursor:
        before = {}
        for key, name in names.items():
            cursor.execute(f"PRAGMA {name}")
            before[name] = int(cursor.fetchone()[0])
            cursor.execute(f"PRAGMA {name} = {int(pragmas[key])}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for name, value in before.items():
                cursor.execute(f"PRAGMA {name} = {value}")
