"""The database half of a backup, per engine: a consistent snapshot out, a verified load in.

SQLite: the online backup API (`sqlite3.Connection.backup`) into a file; `cp` of a live WAL
database is not safe (NOTES.md). PostgreSQL: `pg_dump -Fc` under a snapshot exported from a
REPEATABLE READ transaction, so the row counts in the manifest are those of the dump itself.
"""

import glob
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection

from saohei.common.sealing import SEALED_FIELDS


class DatabaseError(Exception):
    """The engine's tool failed, or the target is not the kind this backup can go into."""


@dataclass(frozen=True)
class Snapshot:
    engine: str
    path: Path
    table_counts: dict[str, int]
    migrations: list[str]
    data_key_ids: list[str]


def engine() -> str:
    return str(connection.vendor)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def describe(cursor: Any, tables: list[str]) -> tuple[dict[str, int], list[str], list[str]]:
    """Row counts per table, applied migrations and the data key ids of sealed values, read
    through any DB-API cursor (the snapshot's own, so that they match it exactly)."""
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")  # noqa: S608 (our table names)
        counts[table] = int(cursor.fetchone()[0])
    migrations = []
    if "django_migrations" in counts:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        migrations = [f"{app}.{name}" for app, name in cursor.fetchall()]
    key_ids: set[str] = set()
    for field in SEALED_FIELDS:
        table = field.model._meta.db_table
        key_column = str(field.model._meta.get_field(field.key_field).column)  # type: ignore[union-attr]
        value_column = str(field.model._meta.get_field(field.ciphertext_field).column)  # type: ignore[union-attr]
        if table in counts:
            cursor.execute(
                f"SELECT DISTINCT {_quote(key_column)} FROM {_quote(table)} "  # noqa: S608
                f"WHERE {_quote(value_column)} <> ''"
            )
            key_ids.update(row[0] for row in cursor.fetchall())
    return counts, migrations, sorted(key_ids)


def _sqlite_tables(cursor: Any) -> list[str]:
    cursor.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    return [row[0] for row in cursor.fetchall()]


def _postgres_tables(cursor: Any) -> list[str]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    return [row[0] for row in cursor.fetchall()]


def current_tables() -> list[str]:
    with connection.cursor() as cursor:
        return _sqlite_tables(cursor) if engine() == "sqlite" else _postgres_tables(cursor)


def describe_current() -> tuple[dict[str, int], list[str], list[str]]:
    with connection.cursor() as cursor:
        return describe(cursor, current_tables())


def tables_with_rows() -> dict[str, int]:
    """The target database's tables that hold rows (a restore goes only into an empty one)."""
    name = str(connection.settings_dict["NAME"])
    if engine() == "sqlite" and not name.startswith("file:") and not Path(name).exists():
        return {}  # not even created: connecting would write an empty file
    counts, _, _ = describe_current()
    return {table: rows for table, rows in counts.items() if rows}


def snapshot(directory: Path) -> Snapshot:
    if engine() == "sqlite":
        return _sqlite_snapshot(directory / "database.sqlite3")
    if engine() == "postgresql":
        return _postgres_snapshot(directory / "database.pgdump")
    raise DatabaseError(f"不支持的数据库：{engine()}")


def _sqlite_snapshot(path: Path) -> Snapshot:
    connection.ensure_connection()
    target = sqlite3.connect(path)
    try:
        # Django's own connection as the source: the same file (or the tests' in-memory
        # database); one step, so the copy is of one moment even while others write.
        connection.connection.backup(target)
        cursor = target.cursor()
        counts, migrations, key_ids = describe(cursor, _sqlite_tables(cursor))
    finally:
        target.close()
    return Snapshot("sqlite", path, counts, migrations, key_ids)


def postgres_binary(name: str) -> str:
    """`pg_dump` / `pg_restore` on PATH, else the newest under /usr/lib/postgresql (Debian)."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not candidates:
        raise DatabaseError(f"找不到 {name}：请安装 PostgreSQL 客户端（postgresql-client）")
    return candidates[-1]


def postgres_environment() -> dict[str, str]:
    """libpq's variables from settings.DATABASES, for psycopg and for pg_dump/pg_restore."""
    settings_dict = connection.settings_dict
    names = {"NAME": "PGDATABASE", "USER": "PGUSER", "PASSWORD": "PGPASSWORD"}
    names |= {"HOST": "PGHOST", "PORT": "PGPORT"}
    values = {
        variable: str(settings_dict[key])
        for key, variable in names.items()
        if settings_dict.get(key)
    }
    return {**os.environ, **values}


def _run(arguments: list[str], environment: dict[str, str]) -> None:
    result = subprocess.run(  # noqa: S603 (fixed PostgreSQL tools, no shell)
        arguments, env=environment, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        tool = Path(arguments[0]).name
        raise DatabaseError(
            f"{tool} 失败（退出码 {result.returncode}）：{result.stderr.strip()[-500:]}"
        )


def _postgres_snapshot(path: Path) -> Snapshot:
    import psycopg
    from psycopg.conninfo import make_conninfo

    environment = postgres_environment()
    with psycopg.connect(make_conninfo(**_libpq_keywords(environment))) as source:
        source.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        source.read_only = True
        with source.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot_id = cursor.fetchone()[0]  # type: ignore[index]
            counts, migrations, key_ids = describe(cursor, _postgres_tables(cursor))
            # The snapshot lives as long as this transaction: dump while it is open.
            _run(
                [
                    postgres_binary("pg_dump"),
                    "-Fc",
                    "--no-owner",
                    f"--snapshot={snapshot_id}",
                    "-f",
                    str(path),
                ],
                environment,
            )
    return Snapshot("postgresql", path, counts, migrations, key_ids)


def _libpq_keywords(environment: dict[str, str]) -> dict[str, str]:
    names = {"PGDATABASE": "dbname", "PGUSER": "user", "PGPASSWORD": "password"}
    names |= {"PGHOST": "host", "PGPORT": "port"}
    return {
        keyword: environment[variable]
        for variable, keyword in names.items()
        if variable in environment
    }


def load(engine_name: str, path: Path) -> None:
    """Put the snapshot into the (empty) configured database."""
    if engine_name == "sqlite":
        _load_sqlite(path)
    else:
        _run(
            [
                postgres_binary("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                "-d",
                postgres_environment().get("PGDATABASE", ""),
                str(path),
            ],
            postgres_environment(),
        )
        connection.close()


def _load_sqlite(path: Path) -> None:
    target = Path(connection.settings_dict["NAME"])
    connection.close()
    staged = target.with_name(f".{target.name}.restoring")
    shutil.copyfile(path, staged)
    # The empty target's WAL and shared memory would be applied to the new file: remove them.
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    os.replace(staged, target)


def unload(engine_name: str) -> None:
    """Undo `load` after a failed check: the target was empty before, so empty it again."""
    if engine_name == "sqlite":
        target = Path(connection.settings_dict["NAME"])
        connection.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        return
    with connection.cursor() as cursor:
        for table in _postgres_tables(cursor):
            cursor.execute(f"DROP TABLE IF EXISTS {_quote(table)} CASCADE")
