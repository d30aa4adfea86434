"""Lock and re-read a row before changing it, so two people never both pass a check (decision 0044).

Every transition and every versioned edit calls `lock_current` first thing inside its service's
transaction. It re-reads the caller's object in place under `SELECT ... FOR UPDATE` (on SQLite the
IMMEDIATE transaction has already taken the write lock), so the checks that follow see the row as
it is now, and it refuses when someone else moved the status, or saved a newer version, since the
caller loaded it. The service then saves only the fields it changes.
"""

from typing import TypeVar

from django.db import models
from django.utils import timezone

from saohei.common.errors import ServiceError

M = TypeVar("M", bound=models.Model)

# Who last changed the row and when, where the model keeps it; the first present is shown.
_CHANGED_BY = ("edited_by", "updated_by")
_CHANGED_AT = ("edited_at", "updated_at")


def moved_on(noun: str) -> str:
    return f"该{noun}已被他人处理，请刷新后重试"


def _changed_by_whom(instance: models.Model) -> str:
    who = ""
    for name in _CHANGED_BY:
        if getattr(type(instance), name, None) is not None and getattr(instance, f"{name}_id"):
            who = str(getattr(instance, name))
            break
    for name in _CHANGED_AT:
        when = getattr(instance, name, None)
        if when is not None:
            return f"已被{who or '他人'}于{timezone.localtime(when):%Y-%m-%d %H:%M}修改"
    return f"已被{who or '他人'}修改"


def lock_current(
    instance: M, *, noun: str, field: str | None = "status", version: int | None = None
) -> M:
    """Re-read `instance` in place under a row lock; refuse if `field` moved since it was loaded
    or the row is no longer at `version`. Call inside the service's transaction."""
    loaded = getattr(instance, field) if field else None
    manager = type(instance)._default_manager
    instance.refresh_from_db(from_queryset=manager.select_for_update())
    if field and getattr(instance, field) != loaded:
        raise ServiceError(moved_on(noun))
    check_version(instance, noun=noun, version=version)
    return instance


class StaleVersion(ServiceError):
    """An edit refused because the row moved past the version it was opened on. It carries the
    row as now saved, so the form can show field by field what the other person saved beside
    what this user submitted (`StyledForm.add_service_error`, decision 0056)."""

    def __init__(self, message: str, *, saved: models.Model) -> None:
        super().__init__(message)
        self.saved = saved

    @property
    def saved_version(self) -> int:
        return int(getattr(self.saved, "version", 0) or 0)


def check_version(instance: models.Model, *, noun: str, version: int | None) -> None:
    """Refuse an edit opened on `version` when the (locked) row has moved past it."""
    current = getattr(instance, "version", None)
    if version is not None and current != version:
        raise StaleVersion(
            f"该{noun}在您打开之后{_changed_by_whom(instance)}（当前为第{current}版），"
            "您的修改没有保存，请刷新后在最新内容上重新修改",
            saved=instance,
        )
