"""A town's masthead and closing lines (GB/T 9704 版头、版记) as the documents print them.

版头: the series name 工作简报, 第N期 (numbered per town and year when a briefing is saved), the
issuing unit and the date. 版记: 报/送/发 lines between rules and 共印N份. A town without
settings of its own gets its 领导小组办公室 as issuing unit and no closing lines.
"""

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from saohei.briefings.models import BriefingSettings
from saohei.common.dates import chinese_date
from saohei.organisations.models import Unit

SERIES_NAME = "工作简报"
CLOSING_LABELS = (("report_to", "报"), ("copy_to", "送"), ("distribute_to", "发"))


@dataclass(frozen=True)
class Imprint:
    issuing_unit: str
    report_to: str = ""
    copy_to: str = ""
    distribute_to: str = ""
    copies: int | None = None

    @property
    def closing_lines(self) -> list[str]:
        """ "报：…", "送：…", "发：…", each only when the town names someone."""
        lines = []
        for name, label in CLOSING_LABELS:
            recipients = getattr(self, name)
            if recipients:
                lines.append(f"{label}：{recipients}")
        return lines

    @property
    def copies_line(self) -> str:
        return f"（共印{self.copies}份）" if self.copies else ""

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def default_issuing_unit(town: Unit) -> str:
    return f"{town.name}扫黑除恶专项斗争领导小组办公室"


def current_imprint(town: Unit) -> Imprint:
    """The town's settings as they stand, or the default when it has none."""
    found = BriefingSettings.objects.filter(unit=town).first()
    if found is None:
        return Imprint(issuing_unit=default_issuing_unit(town))
    return Imprint(
        issuing_unit=found.issuing_unit,
        report_to=found.report_to,
        copy_to=found.copy_to,
        distribute_to=found.distribute_to,
        copies=found.copies,
    )


def imprint_from_json(town: Unit, stored: dict[str, Any]) -> Imprint:
    """The imprint saved with an issue; a draft saved before imprints existed takes today's."""
    if not stored:
        return current_imprint(town)
    known = {name: stored[name] for name in Imprint.__dataclass_fields__ if name in stored}
    return Imprint(**known)


@dataclass(frozen=True)
class Masthead:
    """What the head of the first page says: 第N期 (None: not yet numbered) and the date."""

    issuing_unit: str
    issue_number: int | None
    issued_on: date

    @property
    def issue_label(self) -> str:
        # A briefing not saved has no number yet: the blank is left for the pen, as on paper.
        return f"第{self.issue_number}期" if self.issue_number else "第　　期"

    @property
    def date_label(self) -> str:
        return chinese_date(self.issued_on)
