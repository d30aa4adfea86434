"""Who needs to hear that the people of an incident changed.

The contexts that hold people (leads' subjects, cases' persons, tips' persons) sit below the
person registry (`saohei.analysis`) and may not import it. Their services call
`people_changed(...)` inside their own transaction; the registry registers itself as a listener
when the app is ready (`AnalysisConfig.ready`). This is an explicit call in each service, not a
Django signal, and the listener only writes its outbox row in that same transaction: the work
runs later in the background (decision 0028).
"""

from collections.abc import Callable, Iterable

Listener = Callable[[str, Iterable[int]], None]

_listeners: list[Listener] = []


def listen_for_people_changes(listener: Listener) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def people_changed(incident_kind: str, incident_ids: Iterable[int]) -> None:
    """`incident_kind` is "case", "lead" or "tip"; call it inside the writing transaction."""
    ids = sorted(set(incident_ids))
    if not ids:
        return
    for listener in _listeners:
        listener(incident_kind, ids)
