"""/api/v1/cases — 治安案件倒查. Same access rules as the pages (the context's access module)."""

from ninja import Router

router = Router(tags=["治安案件倒查"])
