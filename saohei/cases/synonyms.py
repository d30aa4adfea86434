"""The words police exports use for the import's enumerations, and the value each stands for.

One table per field, keyed by the import column's key: the sender's word (full-width folded, no
spaces) → the stored value. It is plain data on purpose (decision 0064): a generic sheet import
with per-sender saved value mappings can take these tables over as its defaults for the police
case sheet, and the case import then reads its words from there instead of from here.

The labels themselves (参与者, 治安, …) and a label followed by 案件 are read by
`importing.parse_choice` without being listed.
"""

from collections.abc import Mapping
from types import MappingProxyType

from saohei.cases.models import Nature, PersonRole

DEFAULT_VALUE_SYNONYMS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "role": MappingProxyType(
            {
                # A suspect is a 参与者 unless the cell or the 备注 says more (`LEADER_MARKS`).
                "违法嫌疑人": PersonRole.PARTICIPANT.value,
                "犯罪嫌疑人": PersonRole.PARTICIPANT.value,
                "嫌疑人": PersonRole.PARTICIPANT.value,
                "违法行为人": PersonRole.PARTICIPANT.value,
                "受害人": PersonRole.VICTIM.value,
                "被侵害人": PersonRole.VICTIM.value,
                "被害人": PersonRole.VICTIM.value,
                "证人": PersonRole.WITNESS.value,
                "目击者": PersonRole.WITNESS.value,
                "目击证人": PersonRole.WITNESS.value,
            }
        ),
        "nature": MappingProxyType(
            {
                # Police call the cases under the 治安管理处罚法 行政案件.
                "行政": Nature.PUBLIC_SECURITY.value,
                "行政案件": Nature.PUBLIC_SECURITY.value,
                "治安案件": Nature.PUBLIC_SECURITY.value,
                "刑事案件": Nature.CRIMINAL.value,
            }
        ),
    }
)

# A suspect marked with one of these, in the role cell or in the row's 备注, holds that role.
# 首要分子 is the criminal law's word for whoever organises and leads (刑法 第九十七条).
LEADER_MARKS: Mapping[str, str] = MappingProxyType(
    {
        "纠集者": PersonRole.GATHERER.value,
        "组织者": PersonRole.ORGANISER.value,
        "首要分子": PersonRole.ORGANISER.value,
    }
)
# The roles a leader mark can raise: a suspect's, never a victim's or a witness's.
MARKABLE_ROLES = frozenset({PersonRole.PARTICIPANT.value})


def synonym_for(field: str, word: str) -> str | None:
    """The stored value a sender's (folded) word stands for in `field`, or None."""
    return DEFAULT_VALUE_SYNONYMS.get(field, {}).get(word)


def leader_mark_in(text: str) -> str | None:
    """The role of the first leader mark `text` holds, or None."""
    for mark, role in LEADER_MARKS.items():
        if mark in text:
            return role
    return None
