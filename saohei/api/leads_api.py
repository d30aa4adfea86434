"""/api/v1/leads — 线索. Same access rules as the pages (the context's access module)."""

from ninja import Router

router = Router(tags=["线索"])
