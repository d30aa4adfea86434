"""The 台账中心's list: every ledger of DOMAIN.md §5 this user may export, with its export link."""

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from saohei.organisations.models import Unit, User
from saohei.reports import access


@dataclass(frozen=True)
class LedgerFilters:
    date_from: date | None = None
    date_to: date | None = None
    village: Unit | None = None
    kind: str = ""

    def as_details(self) -> dict[str, Any]:
        """The filters for the audit log (ids and dates only)."""
        details = {
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
            "village_id": self.village.pk if self.village else None,
            "kind": self.kind,
        }
        return {key: value for key, value in details.items() if value}


@dataclass(frozen=True)
class LedgerLink:
    key: str
    title: str
    owner: str  # where the records are kept (and where the list page is)
    list_url: str
    export_url: str
    # Which of the filters this ledger applies; the others are ignored for it.
    applies: str


def _url(name: str, params: dict[str, Any]) -> str:
    query = urlencode({key: value for key, value in params.items() if value not in (None, "")})
    return reverse(name) + (f"?{query}" if query else "")


def ledgers_for(user: User, filters: LedgerFilters) -> list[LedgerLink]:
    """In the order of DOMAIN.md §5; each only if the user may export it."""
    day_from = filters.date_from.isoformat() if filters.date_from else ""
    day_to = filters.date_to.isoformat() if filters.date_to else ""
    village = filters.village.pk if filters.village else ""
    period = {"date_from": day_from, "date_to": day_to}
    links = []
    if user.has_any_role(access.LEAD_ROLES):
        links.append(
            LedgerLink(
                "leads",
                "线索台账",
                "线索摸排",
                reverse("leads:list"),
                _url("leads:export", {**period, "village": village}),
                "受理日期、村",
            )
        )
    if access.may_export_cases(user):
        # The case list filters by the year of the offence, not by a date range.
        same_year = (
            filters.date_from.year
            if filters.date_from
            and filters.date_to
            and filters.date_from.year == filters.date_to.year
            else ""
        )
        links.append(
            LedgerLink(
                "cases",
                "案件倒查台账",
                "治安案件倒查",
                reverse("cases:list"),
                _url("cases:export", {"village": village, "year": same_year}),
                "村；起止日期在同一年时按发案年份",
            )
        )
    if user.has_any_role(access.RECTIFICATION_ROLES):
        links.append(
            LedgerLink(
                "rectifications",
                "问题整改台账",
                "问题整改",
                reverse("rectifications:list"),
                _url("rectifications:export", {"village": village}),
                "村（整改台账不按日期筛选，导出全部在账事项）",
            )
        )
    if user.has_any_role(access.PUBLICITY_ROLES):
        links.append(
            LedgerLink(
                "publicity",
                "宣传台账",
                "宣传发动",
                reverse("publicity:list"),
                _url("publicity:export", {**period, "village": village}),
                "活动日期、村",
            )
        )
    if user.has_any_role(access.TALK_ROLES):
        links.append(
            LedgerLink(
                "talks",
                "谈心谈话记录",
                "谈心谈话",
                reverse("accountability:list"),
                _url("reports:talks_export", {**period, "village": village}),
                "谈话日期、村（谈话对象所在村）",
            )
        )
    if access.may_export_meetings(user):
        links.append(
            LedgerLink(
                "meetings",
                "研判会议记录",
                "会议与自查",
                reverse("meetings:list"),
                _url("reports:meetings_export", {**period, "kind": filters.kind}),
                "会议日期、会议类型",
            )
        )
    if user.has_any_role(access.INSPECTION_ROLES):
        links.append(
            LedgerLink(
                "inspections",
                "村级扫黑除恶档案检查",
                "档案检查",
                reverse("inspections:list"),
                _url("reports:inspections_export", {**period, "village": village}),
                "检查日期、村",
            )
        )
    return links
