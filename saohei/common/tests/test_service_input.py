"""Views and API endpoints pass input to services by name, never by splatting a form's cleaned
data (decision 0042): a splat hides from mypy which fields reach the service."""

import ast
from pathlib import Path

import saohei

ROOT = Path(saohei.__file__).parent
SERVICE_MODULES = {"services", "self_inspection", "queries"}


def _entry_points() -> list[Path]:
    names = ("views.py", "api.py", "*_views.py", "*_api.py")
    return sorted(
        {path for name in names for path in ROOT.rglob(name) if "tests" not in path.parts}
    )


def _callee(call: ast.Call) -> str:
    """`services.add_decision` or `DecisionInput`: the dotted name a splat would go into."""
    function = call.func
    if isinstance(function, ast.Name):
        return function.id
    if isinstance(function, ast.Attribute) and isinstance(function.value, ast.Name):
        return f"{function.value.id}.{function.attr}"
    return ""


def _takes_named_input(callee: str) -> bool:
    module, _, name = callee.rpartition(".")
    return (
        module in SERVICE_MODULES
        or module.endswith("_services")
        or (name or callee).endswith("Input")
    )


def splats_into_services(source: str) -> list[str]:
    """Calls of a service, query or Input class that receive a `**` argument, as `line callee`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        callee = _callee(node)
        if _takes_named_input(callee) and any(kw.arg is None for kw in node.keywords):
            found.append(f"{node.lineno} {callee}")
    return found


def test_the_check_sees_a_splat_into_a_service_and_into_an_input() -> None:
    source = (
        "services.add_decision(actor=user, **data)\n"
        "lead_services.record_follow_up(actor=user, lead=lead, **form.cleaned_data)\n"
        "services.SubjectInput(**subject)\n"
        "TextForm(*a, prefix='x', **k)\n"
    )
    assert splats_into_services(source) == [
        "1 services.add_decision",
        "2 lead_services.record_follow_up",
        "3 services.SubjectInput",
    ]


def test_views_and_api_endpoints_name_every_field_they_pass_to_a_service() -> None:
    entry_points = _entry_points()
    assert len(entry_points) > 20  # the walk found the views and endpoints
    splats = [
        f"{path.relative_to(ROOT.parent)}:{found}"
        for path in entry_points
        for found in splats_into_services(path.read_text(encoding="utf-8"))
    ]
    assert splats == []
