"""The default archive checklist (DOMAIN.md §5), used by the data migration and the demo loader
(a test teardown's flush empties the table, so the demo puts the defaults back)."""

from typing import Any

FOLDERS = [
    "上级文件",
    "组织机构",
    "会议/学习记录",
    "线索摸排（含零报告）",
    "宣传发动",
    "矛盾纠纷排查",
    "谈心谈话",
    "阶段性总结",
    "整改清单及销号材料",
]


def seed_default_folders(folder_model: Any) -> None:
    """Create the folders that are missing; never touch an edited one."""
    for order, name in enumerate(FOLDERS, start=1):
        folder_model.objects.get_or_create(name=name, defaults={"sort_order": order * 10})
