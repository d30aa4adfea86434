import pytest
from django.db import connection

from saohei.common.sqlite import sqlite_pragmas


def _cache_size() -> int:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA main.cache_size")
        return int(cursor.fetchone()[0])


@pytest.mark.django_db
def test_a_setting_lasts_for_the_block_only_even_when_it_fails() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("PRAGMA is SQLite's")
    before = _cache_size()
    with sqlite_pragmas(main__cache_size=-12345):
        assert _cache_size() == -12345
    assert _cache_size() == before
    with pytest.raises(RuntimeError), sqlite_pragmas(main__cache_size=-23456):
        assert _cache_size() == -23456
        raise RuntimeError
    assert _cache_size() == before


@pytest.mark.django_db
def test_nothing_is_sent_to_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the other engine")
    with sqlite_pragmas(main__cache_size=-12345), connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone()[0] == 1
