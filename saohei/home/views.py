from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from saohei.home import queries
from saohei.leads.queries import open_instructions_for, work_summary
from saohei.organisations.models import User


@login_required
def index_view(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    last = queries.previous_login(user)
    group = queries.visible_group(user)
    context = {
        "previous_login": last,
        "failed_since": queries.failed_logins_since_last(user, last),
        "colleagues": queries.unit_colleagues(user),
        "group": group,
        "group_leaders": queries.group_leaders(group),
        "admin_panels": queries.admin_panels(user),
        "supervised_towns": queries.supervised_towns(user),
        "work": work_summary(user),
        "open_instructions": open_instructions_for(user),
    }
    return render(request, "home/index.html", context)


def healthz_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")
