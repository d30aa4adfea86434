"""Default dictionaries (DOMAIN.md §3.2, §3.3) and time limits; all editable afterwards.

Used by the data migration and by the demo loader (test teardown may have emptied the tables).
"""

from typing import Any

TARGET_CATEGORIES = [
    "危害政治安全",
    "把持基层政权、操纵破坏选举、侵吞集体资产",
    "宗族势力、村霸",
    "征地拆迁中煽动闹事",
    "强揽工程、非法占地、滥开滥采（含渔业捕捞）",
    "欺行霸市、强买强卖、收保护费",
    "黄赌毒",
    "非法高利放贷、暴力讨债",
    "插手民间纠纷",
    "境外黑社会渗透",
    "网络水军、网络黑恶势力",
    "黑恶势力保护伞",
]
OFFENCE_TYPES = [
    "寻衅滋事",
    "敲诈勒索",
    "强迫交易",
    "非法拘禁",
    "故意伤害",
    "故意毁坏财物",
    "聚众斗殴",
    "开设赌场/聚众赌博",
    "组织/强迫卖淫",
    "毒品犯罪",
    "抢劫",
    "抢夺",
    "聚众扰乱秩序",
    "催收非法债务",
    "套路贷",
]
TIME_LIMITS = {
    "upper_assigned": 15,
    "platform_12337": 30,
    "public_report": 30,
    "self_found": 30,
    "case_review": 20,
    "talk": 30,
    "transfer": 15,
}


def seed_defaults(entry_model: Any, limit_model: Any) -> None:
    """Create what is missing; never overwrite an edited entry."""
    for order, name in enumerate(TARGET_CATEGORIES, start=1):
        entry_model.objects.get_or_create(
            kind="target_category", name=name, defaults={"sort_order": order * 10}
        )
    for order, name in enumerate(OFFENCE_TYPES, start=1):
        entry_model.objects.get_or_create(
            kind="offence_type", name=name, defaults={"sort_order": order * 10}
        )
    for source, days in TIME_LIMITS.items():
        limit_model.objects.get_or_create(source=source, defaults={"working_days": days})
