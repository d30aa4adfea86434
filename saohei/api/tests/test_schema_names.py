"""Two response or input schemas of one name would be one component in the OpenAPI document:
django-ninja keeps whichever it met last, so one operation's answer is then documented with the
other's fields (the schema fuzz found a lead's 反馈 documented with the city's `author`)."""

import importlib
import inspect
import pkgutil
from collections import defaultdict

from ninja import Schema

import saohei.api


def test_no_two_api_schemas_share_a_name() -> None:
    defined: dict[str, set[str]] = defaultdict(set)
    for module_info in pkgutil.iter_modules(saohei.api.__path__):
        module = importlib.import_module(f"saohei.api.{module_info.name}")
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, Schema)
                and value.__module__ == module.__name__
            ):
                defined[name].add(module.__name__)
    shared = {name: sorted(modules) for name, modules in defined.items() if len(modules) > 1}
    assert not shared, shared
