"""Recording, correcting, voiding and the kinds: the rules, the refusals and the audit events."""

from dataclasses import replace
from decimal import Decimal

import pytest

from saohei.audit.models import AuditAction, AuditEvent
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.organisations.models import Unit, User
from saohei.publicity import services
from saohei.publicity.models import PlaceType, PublicityActivity, PublicityKind, PublicityPhoto
from saohei.publicity.queries import kind_totals
from saohei.publicity.tests.conftest import PNG, Record, days_ago, kind, photo

pytestmark = pytest.mark.django_db


def _input(activity: PublicityActivity, **changes: object) -> services.ActivityInput:
    values = services.ActivityInput(
        occurred_on=activity.occurred_on,
        kind=activity.kind,
        village=activity.village,
        place_type=activity.place_type,
        place=activity.place,
        quantity=activity.quantity,
        handler=activity.handler,
        hours=activity.hours,
        reach=activity.reach,
        notes=activity.notes,
    )
    return replace(values, **changes)  # type: ignore[arg-type]


def test_village_head_records_their_villages_activity_with_a_photo(record: Record) -> None:
    activity = record(photos=photo())
    stored = PublicityPhoto.objects.get()
    assert activity.town.name == "港西镇"
    assert stored.activity == activity
    assert str(stored.file.name).startswith(f"publicity/{activity.pk}/{stored.sha256}")
    event = AuditEvent.objects.get(action=AuditAction.PUBLICITY_RECORDED)
    assert event.actor_username == "cun02"
    assert event.details["photos"] == [stored.sha256]
    assert event.details["quantity"] == "20"


def test_village_head_cannot_record_for_another_village(
    record: Record, other_village: Unit
) -> None:
    with pytest.raises(ActionNotAllowed):
        record(village=other_village)
    assert not PublicityActivity.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.PUBLICITY_RECORDED).exists()


def test_village_head_cannot_record_town_wide(record: Record) -> None:
    with pytest.raises(ActionNotAllowed):
        record(village=None, place_type=PlaceType.TOWN_CENTRE)


def test_office_records_town_wide_activities(record: Record) -> None:
    activity = record(actor="banshi", village=None, place_type=PlaceType.TOWN_CENTRE)
    assert activity.village is None


@pytest.mark.parametrize("username", ["minjing", "shiban", "baoguan", "xitong"])
def test_other_roles_cannot_record(record: Record, username: str) -> None:
    with pytest.raises(ActionNotAllowed):
        record(actor=username)
    assert not PublicityActivity.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"occurred_on": days_ago(-1)}, "occurred_on"),
        ({"quantity": Decimal(0)}, "quantity"),
        ({"quantity": Decimal("1.25")}, "quantity"),
        ({"place_type": "moon"}, "place_type"),
        ({"hours": Decimal(2)}, "hours"),
        ({"reach": -1}, "reach"),
        ({"place": "地" * 201}, "place"),
    ],
)
def test_bad_input_is_refused_and_nothing_written(
    record: Record, overrides: dict[str, object], field: str
) -> None:
    with pytest.raises(ServiceError) as refused:
        record(**overrides)
    assert refused.value.field == field
    assert not PublicityActivity.objects.exists()


def test_handler_must_work_in_the_town(record: Record) -> None:
    with pytest.raises(ServiceError) as refused:
        record(actor="banshi", handler=User.objects.get(username="shiban"))
    assert refused.value.field == "handler"


def test_photo_must_be_an_image_and_at_most_ten(record: Record) -> None:
    pdf = photo("说明.pdf", b"%PDF-1.4 demo")
    with pytest.raises(ServiceError, match="不是照片"):
        record(photos=pdf)
    activity = record(photos=[*photo("1.png"), *photo("2.png")] * 4)
    assert activity.photos.count() == 8
    with pytest.raises(ServiceError, match="最多 10 张"):
        services.correct_activity(
            actor=User.objects.get(username="cun02"),
            activity=activity,
            data=_input(activity),
            photos=photo() * 3,
        )
    assert activity.photos.count() == 8


def test_correction_keeps_the_old_values_in_the_audit_event(record: Record) -> None:
    activity = record()
    services.correct_activity(
        actor=User.objects.get(username="cun02"),
        activity=activity,
        data=_input(activity, quantity=Decimal(25), notes="补登 5 条"),
        reason="漏记",
    )
    activity.refresh_from_db()
    assert activity.quantity == Decimal(25)
    event = AuditEvent.objects.get(action=AuditAction.PUBLICITY_CORRECTED)
    assert event.details["changes"] == {"quantity": ["20", "25"], "notes": ["", "补登 5 条"]}
    assert event.details["reason"] == "漏记"


def test_correction_without_change_is_refused(record: Record) -> None:
    activity = record()
    with pytest.raises(ServiceError, match="没有需要更正"):
        services.correct_activity(
            actor=User.objects.get(username="cun02"), activity=activity, data=_input(activity)
        )


def test_village_head_cannot_move_an_activity_to_another_village(
    record: Record, other_village: Unit
) -> None:
    activity = record()
    with pytest.raises(ActionNotAllowed):
        services.correct_activity(
            actor=User.objects.get(username="cun02"),
            activity=activity,
            data=_input(activity, village=other_village),
        )
    activity.refresh_from_db()
    assert activity.village is not None and activity.village.name == "东岛村"


def test_other_village_head_cannot_correct_or_void(record: Record) -> None:
    activity = record()
    other = User.objects.get(username="cun04")
    with pytest.raises(ActionNotAllowed):
        services.correct_activity(
            actor=other, activity=activity, data=_input(activity, quantity=Decimal(1))
        )
    with pytest.raises(ActionNotAllowed):
        services.void_activity(actor=other, activity=activity, reason="错误")


def test_void_needs_a_reason_and_leaves_every_total(record: Record) -> None:
    activity = record()
    record(quantity=Decimal(5))
    with pytest.raises(ServiceError):
        services.void_activity(
            actor=User.objects.get(username="banshi"), activity=activity, reason=" "
        )
    services.void_activity(
        actor=User.objects.get(username="banshi"), activity=activity, reason="重复登记"
    )
    activity.refresh_from_db()
    assert activity.is_voided and activity.voided_by is not None
    slogans = next(
        t for t in kind_totals(PublicityActivity.objects.all()) if t.kind.code == "slogan"
    )
    assert slogans.quantity == Decimal(5)
    assert slogans.activities == 1
    assert (
        AuditEvent.objects.get(action=AuditAction.PUBLICITY_VOIDED).details["reason"] == "重复登记"
    )
    with pytest.raises(ServiceError, match="已作废"):
        services.void_activity(
            actor=User.objects.get(username="banshi"), activity=activity, reason="再次"
        )
    with pytest.raises(ServiceError, match="已作废"):
        services.correct_activity(
            actor=User.objects.get(username="banshi"),
            activity=activity,
            data=_input(activity, quantity=Decimal(1)),
        )


def test_office_renames_a_kind_changes_its_unit_and_deactivates_it(demo: None) -> None:
    board = kind("board")
    services.save_kind(
        actor=User.objects.get(username="banshi"),
        kind=board,
        data=services.KindInput(
            name="宣传展板",
            unit_label="块",
            order=35,
            active=False,
        ),
    )
    board.refresh_from_db()
    assert (board.name, board.unit_label, board.order, board.active, board.code) == (
        "宣传展板",
        "块",
        35,
        False,
        "board",
    )
    event = AuditEvent.objects.get(action=AuditAction.PUBLICITY_KIND_SAVED)
    assert event.details["changes"]["unit_label"] == ["张", "块"]
    # A deactivated kind with nothing recorded drops out of the totals; others stay.
    codes = [total.kind.code for total in kind_totals(PublicityActivity.objects.all())]
    assert "board" not in codes and "slogan" in codes


def test_office_adds_a_new_kind_with_a_generated_code(demo: None) -> None:
    new = services.save_kind(
        actor=User.objects.get(username="shuji"),
        kind=None,
        data=services.KindInput(
            name="宣传手册",
            unit_label="本",
            reach_label="覆盖人数",
        ),
    )
    assert new.code.startswith("kind") and PublicityKind.objects.filter(code=new.code).exists()
    with pytest.raises(ServiceError, match="已有名为"):
        services.save_kind(
            actor=User.objects.get(username="shuji"),
            kind=None,
            data=services.KindInput(
                name="宣传手册",
                unit_label="本",
            ),
        )


@pytest.mark.parametrize("username", ["cun02", "shiban", "minjing"])
def test_only_the_office_edits_kinds(demo: None, username: str) -> None:
    with pytest.raises(ActionNotAllowed):
        services.save_kind(
            actor=User.objects.get(username=username),
            kind=kind("slogan"),
            data=services.KindInput(
                name="x",
                unit_label="条",
            ),
        )
    assert kind("slogan").name == "宣传标语"


def test_photo_bytes_are_stored_as_uploaded(record: Record) -> None:
    activity = record(photos=photo())
    stored = activity.photos.get()
    with stored.file.open("rb") as handle:
        assert handle.read() == PNG
