"""PostgreSQL reads that survive a date Python cannot hold.

PostgreSQL stores years before 1 (BC) and after 9999; Python's `date` cannot, and psycopg
raises on the whole query, so one such row (written by an old bug or by hand in SQL) would break
every list that includes it. These loaders read such a value as `date.min`/`date.max` (logged),
which `common.dates.format_date` then shows as 日期异常.
"""

import datetime
import logging
from typing import Any

from django.db.backends.postgresql.psycopg_any import BaseTzLoader
from django.db.backends.signals import connection_created
from psycopg import DataError
from psycopg.types.datetime import DateLoader

logger = logging.getLogger(__name__)


def _out_of_range(data: Any, error: DataError) -> bool:
    logger.warning("a stored date is outside what Python can hold: %s", error)
    return "too large" not in str(error)


class TolerantDateLoader(DateLoader):
    def load(self, data: Any) -> datetime.date:
        try:
            return super().load(data)
        except DataError as error:
            return datetime.date.min if _out_of_range(data, error) else datetime.date.max


def register_tolerant_loaders(connection: Any) -> None:
    """Install the loaders on a new psycopg connection, keeping Django's timezone handling."""

    class TolerantTzLoader(BaseTzLoader):
        timezone = connection.timezone

        def load(self, data: Any) -> datetime.datetime:
            try:
                return super().load(data)
            except DataError as error:
                extreme = (
                    datetime.datetime.min if _out_of_range(data, error) else datetime.datetime.max
                )
                return extreme.replace(tzinfo=self.timezone)

    adapters = connection.connection.adapters
    adapters.register_loader("timestamptz", TolerantTzLoader)
    adapters.register_loader("date", TolerantDateLoader)


def _on_connection_created(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "postgresql":
        register_tolerant_loaders(connection)


def connect() -> None:
    """Called from `CommonConfig.ready`: every new PostgreSQL connection gets the loaders."""
    connection_created.connect(_on_connection_created, dispatch_uid="saohei.common.postgres")
