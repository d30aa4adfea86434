from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from saohei.analysis import queries as analysis_queries
from saohei.health.checks import run_checks
from saohei.home import queries
from saohei.home.dashboard import get_dashboard
from saohei.home.waiting import waiting_for
from saohei.leads.queries import open_instructions_for, work_summary
from saohei.organisations.http import AuthenticatedHttpRequest
from saohei.organisations.queries import OFFICE_ROLES


@login_required
def index_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    last = queries.previous_login(user)
    group = queries.visible_group(user)
    dashboard = get_dashboard(user)
    context: dict[str, Any] = {
        "waiting": waiting_for(user),
        "previous_login": last,
        "failed_since": queries.failed_logins_since_last(user, last),
        "colleagues": queries.unit_colleagues(user),
        "group": group,
        "group_leaders": queries.group_leaders(group),
        "admin_panels": queries.admin_panels(user),
        "supervised_towns": queries.supervised_towns(user),
        "work": work_summary(user),
        "open_instructions": open_instructions_for(user),
        "dashboard": dashboard,
        # 研判提示: the town's leaders and office see open prompts by level; a 上级督导 counts
        # per town below (never the prompts, which name people).
        "prompt_levels": analysis_queries.open_prompt_levels(user)
        if user.has_any_role(OFFICE_ROLES)
        else [],
        "prompt_towns": analysis_queries.open_prompts_by_town(user),
    }
    if dashboard is not None:
        charts = dashboard["charts"]
        # The figures for dashboard.js, in a json_script block (no inline script under the CSP).
        context["chart_data"] = {chart["id"]: chart for chart in charts if not chart["empty"]}
        context["chart_panels"] = [
            (chart, None if chart["empty"] else queries.chart_table(chart)) for chart in charts
        ]
    return render(request, "home/index.html", context)


def _health_answer(*, serving_only: bool) -> HttpResponse:
    # ok or fail only: which check failed, and why, is for `manage.py health` on the server.
    healthy = all(result.ok for result in run_checks(serving_only=serving_only))
    return HttpResponse(
        "ok" if healthy else "fail", content_type="text/plain", status=200 if healthy else 503
    )


def healthz_view(request: HttpRequest) -> HttpResponse:
    """For the load balancer: can this server answer requests (database, migrations)?"""
    return _health_answer(serving_only=True)


def healthz_full_view(request: HttpRequest) -> HttpResponse:
    """For monitoring: every check, the worker's heartbeat and the last backup included."""
    return _health_answer(serving_only=False)
