"""The police case sheet as the sheets pipeline knows it: the columns whose values a clerk maps
once per sender (decision 0065). Reading the two tables stays in `importing`; the pipeline
holds the sender's value mapping (`sheets.SenderMapping`, kind `cases`) and checks it."""

from saohei.cases.importing import TABLE_KINDS
from saohei.cases.models import Means, Motive, Nature, PersonRole
from saohei.sheets.kinds import FieldKind, ImportKind, TargetField

CASE_SHEET = ImportKind(
    key="cases",
    label="治安案件",
    fields=(
        TargetField("nature", "案件性质", kind=FieldKind.CHOICE, choices=tuple(Nature.choices)),
        TargetField("village", "所属村", kind=FieldKind.VILLAGE),
        TargetField("means", "手段", kind=FieldKind.CHOICE, choices=tuple(Means.choices)),
        TargetField("motive", "起因", kind=FieldKind.CHOICE, choices=tuple(Motive.choices)),
        TargetField("role", "角色", kind=FieldKind.CHOICE, choices=tuple(PersonRole.choices)),
    ),
)

# The two tables' columns, each kind a sender's column mapping of its own (decision 0065
# addendum); defined beside the columns they are made of.
__all__ = ["CASE_SHEET", "TABLE_KINDS"]
