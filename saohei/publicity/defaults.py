"""The default publicity kinds (DOMAIN.md §5 宣传台账), seeded by a data migration and the demo."""

from typing import Any

# code, name, unit label, hours label ("" when the kind has no hours), reach label, order
DEFAULT_KINDS: list[tuple[str, str, str, str, str, int]] = [
    ("slogan", "宣传标语", "条", "", "", 10),
    ("banner", "宣传横幅", "条", "", "", 20),
    ("board", "宣传板", "张", "", "", 30),
    ("car", "宣传车", "次", "小时", "覆盖人数", 40),
    ("leaflet", "宣传明白纸", "份", "", "覆盖人数", 50),
    ("wechat", "微信公众号推文", "期", "", "阅读量", 60),
    ("led", "LED 屏滚动播放", "小时", "", "", 70),
    ("broadcast", "IP 网络广播", "次", "小时", "", 80),
    ("event", "集中宣传活动", "场", "", "参与人数", 90),
]

# Kinds whose quantity is itself hours, so a standing schedule accrues hours/day × screens.
HOURLY_KIND_CODES = frozenset({"led"})


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
