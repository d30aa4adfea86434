"""JSON lines for the server's log when `SAOHEI_LOG_FORMAT=json` (issue 14 "Operations",
decision 0050): one object a line — time, level, logger, message and, for an exception, its
class and traceback — for a log collector. What is logged is unchanged: the project logs no
names, ID numbers, mobiles or request bodies in either format.

A dozen lines of the standard library rather than a dependency: the format has five fields."""

import json
import logging
from datetime import UTC, datetime


class JsonLinesFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and record.exc_info[0] is not None:
            entry["exception"] = record.exc_info[0].__name__
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
