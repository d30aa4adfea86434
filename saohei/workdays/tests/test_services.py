import datetime
from collections.abc import Callable

import pytest

from saohei.audit.models import AuditAction, AuditEvent
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.organisations.models import User
from saohei.workdays import calendar, services
from saohei.workdays.models import CalendarOverride

pytestmark = pytest.mark.django_db
UserGetter = Callable[[str], User]
D = datetime.date


def _calendar_events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=AuditAction.CALENDAR_CHANGED))


@pytest.mark.parametrize("username", ["banshi", "xitong"])
def test_office_staff_and_system_admin_add_an_override(user: UserGetter, username: str) -> None:
    override = services.add_override(
        actor=user(username), day=D(2027, 2, 8), is_working_day=False, reason=" 2027年春节 "
    )
    assert override.reason == "2027年春节"
    assert override.created_by == user(username)
    assert not calendar.is_working_day(D(2027, 2, 8))
    [event] = _calendar_events()
    assert event.actor == user(username)
    assert event.target_id == str(override.pk)
    assert event.details == {
        "operation": "added",
        "day": "2027-02-08",
        "is_working_day": False,
        "reason": "2027年春节",
    }


@pytest.mark.parametrize(
    "username", ["shuji", "fushuji", "cun01", "minjing", "shiban", "baoguan", "anquan", "shenji"]
)
def test_other_roles_cannot_add_and_nothing_is_written(user: UserGetter, username: str) -> None:
    with pytest.raises(ActionNotAllowed, match="系统管理员或扫黑办工作人员"):
        services.add_override(
            actor=user(username), day=D(2027, 2, 8), is_working_day=False, reason="2027年春节"
        )
    assert not CalendarOverride.objects.exists()
    assert _calendar_events() == []


def test_a_second_override_for_the_same_day_is_refused(user: UserGetter) -> None:
    services.add_override(
        actor=user("banshi"), day=D(2027, 2, 8), is_working_day=False, reason="2027年春节"
    )
    with pytest.raises(ServiceError, match="已有调整记录") as refused:
        services.add_override(
            actor=user("xitong"), day=D(2027, 2, 8), is_working_day=True, reason="改回"
        )
    assert refused.value.field == "day"
    assert CalendarOverride.objects.get().is_working_day is False
    assert len(_calendar_events()) == 1


@pytest.mark.parametrize(
    ("day", "reason", "field", "message"),
    [
        (D(1999, 12, 31), "太早", "day", "2000年至2099年"),
        (D(2100, 1, 1), "太晚", "day", "2000年至2099年"),
        (D(2027, 2, 8), "   ", "reason", "请填写调整原因"),
        (D(2027, 2, 8), "长" * 101, "reason", "不能超过100个字"),
    ],
)
def test_bad_input_is_refused_with_a_chinese_message(
    user: UserGetter, day: datetime.date, reason: str, field: str, message: str
) -> None:
    with pytest.raises(ServiceError, match=message) as refused:
        services.add_override(actor=user("banshi"), day=day, is_working_day=False, reason=reason)
    assert refused.value.field == field
    assert not CalendarOverride.objects.exists()
    assert _calendar_events() == []


def test_an_override_that_repeats_the_package_is_refused(user: UserGetter) -> None:
    with pytest.raises(ServiceError, match="已是休息日"):
        services.add_override(
            actor=user("banshi"), day=D(2026, 2, 16), is_working_day=False, reason="春节"
        )
    with pytest.raises(ServiceError, match="已是工作日"):
        services.add_override(
            actor=user("banshi"), day=D(2026, 2, 14), is_working_day=True, reason="调休"
        )
    assert not CalendarOverride.objects.exists()


def test_a_correction_of_the_package_is_accepted(user: UserGetter) -> None:
    services.add_override(
        actor=user("banshi"), day=D(2026, 2, 16), is_working_day=True, reason="值班更正"
    )
    assert calendar.is_working_day(D(2026, 2, 16))


def test_removing_an_override_restores_the_default_and_is_audited(user: UserGetter) -> None:
    override = services.add_override(
        actor=user("banshi"), day=D(2027, 2, 8), is_working_day=False, reason="2027年春节"
    )
    override_id = override.pk
    services.remove_override(actor=user("xitong"), override=override)
    assert not CalendarOverride.objects.exists()
    assert calendar.is_working_day(D(2027, 2, 8))
    removed = AuditEvent.objects.filter(action=AuditAction.CALENDAR_CHANGED).order_by("-sequence")[
        0
    ]
    assert removed.actor == user("xitong")
    assert removed.target_id == str(override_id)
    assert removed.details["operation"] == "removed"
    assert removed.details["day"] == "2027-02-08"


@pytest.mark.parametrize("username", ["cun01", "shuji", "shenji"])
def test_other_roles_cannot_remove_and_nothing_changes(user: UserGetter, username: str) -> None:
    override = services.add_override(
        actor=user("banshi"), day=D(2027, 2, 8), is_working_day=False, reason="2027年春节"
    )
    with pytest.raises(ActionNotAllowed):
        services.remove_override(actor=user(username), override=override)
    assert CalendarOverride.objects.filter(pk=override.pk).exists()
    assert len(_calendar_events()) == 1


def test_removing_an_override_someone_else_just_removed_writes_nothing(user: UserGetter) -> None:
    override = services.add_override(
        actor=user("banshi"), day=D(2027, 2, 8), is_working_day=False, reason="2027年春节"
    )
    stale = CalendarOverride.objects.get(pk=override.pk)
    services.remove_override(actor=user("banshi"), override=override)
    with pytest.raises(ServiceError, match="已被他人删除"):
        services.remove_override(actor=user("xitong"), override=stale)
    assert len(_calendar_events()) == 2
