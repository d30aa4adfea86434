"""The default publicity kinds (DOMAIN.md §5 宣传台账), seeded by a data migration and the demo."""

from typing import Any

from django.db import models


class KindCode(models.TextChoices):
    """The default kinds' codes, the one place they are spelt: the briefing writes a sentence
    for each by these names, and the rows in every database carry them (renaming one needs a
    data migration of the rows as well)."""

    SLOGAN = "slogan", "宣传标语"
    BANNER = "banner", "宣传横幅"
    BOARD = "board", "宣传板"
    CAR = "car", "宣传车"
    LEAFLET = "leaflet", "宣传明白纸"
    WECHAT = "wechat", "微信公众号推文"
    LED = "led", "LED 屏滚动播放"
    BROADCAST = "broadcast", "IP 网络广播"
    EVENT = "event", "集中宣传活动"


# code, name (the code's label), unit label, hours label ("" when the kind has no hours),
# reach label, order
DEFAULT_KINDS: list[tuple[str, str, str, str, str, int]] = [
    (code, code.label, unit_label, hours_label, reach_label, order)
    for code, unit_label, hours_label, reach_label, order in [
        (KindCode.SLOGAN, "条", "", "", 10),
        (KindCode.BANNER, "条", "", "", 20),
        (KindCode.BOARD, "张", "", "", 30),
        (KindCode.CAR, "次", "小时", "覆盖人数", 40),
        (KindCode.LEAFLET, "份", "", "覆盖人数", 50),
        (KindCode.WECHAT, "期", "", "阅读量", 60),
        (KindCode.LED, "小时", "", "", 70),
        (KindCode.BROADCAST, "次", "小时", "", 80),
        (KindCode.EVENT, "场", "", "参与人数", 90),
    ]
]

# Kinds whose quantity is itself hours, so a standing schedule accrues hours/day × screens.
HOURLY_KIND_CODES = frozenset({KindCode.LED})


def seed_default_kinds(kind_model: Any) -> None:
    """Create the kinds that are missing; never change one an office has edited."""
    # Migration 0002 runs against the model as it was before `counted_in_hours` existed.
    has_hourly_flag = any(field.name == "counted_in_hours" for field in kind_model._meta.fields)
    for code, name, unit_label, hours_label, reach_label, order in DEFAULT_KINDS:
        defaults: dict[str, Any] = {
            "name": name,
            "unit_label": unit_label,
            "hours_label": hours_label,
            "reach_label": reach_label,
            "order": order,
        }
        if has_hourly_flag:
            defaults["counted_in_hours"] = code in HOURLY_KIND_CODES
        kind_model.objects.get_or_create(code=code, defaults=defaults)
