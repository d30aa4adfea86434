from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from saohei.accountability import access, queries, services
from saohei.accountability.forms import (
    PeriodForm,
    ReviewForm,
    TalkEditForm,
    TalkForm,
    leaders_of,
)
from saohei.common.access import role_required
from saohei.common.errors import ServiceError
from saohei.common.forms import SearchForm
from saohei.common.paging import keyset_page, query_without_cursor
from saohei.common.roles import Role
from saohei.common.validation import parse_id
from saohei.organisations.http import AuthenticatedHttpRequest
from saohei.organisations.models import Unit, User
from saohei.organisations.queries import OFFICE_ROLES, list_office_towns

READ_ROLES = (
    Role.LEADER,
    Role.DEPUTY_LEADER,
    Role.OFFICE_STAFF,
    Role.VILLAGE_HEAD,
    Role.POLICE_OFFICER,
    Role.SUPERVISOR,
)
TOWN_READERS = (*OFFICE_ROLES, Role.SUPERVISOR)


def _office_town(user: User) -> Unit:
    towns = list_office_towns(user)
    if not towns:
        raise PermissionDenied("您不是镇扫黑办工作人员或领导小组成员")
    return towns[0]


def _reader_town(request: HttpRequest, user: User) -> tuple[Unit, list[Unit]]:
    """The town whose coverage or review queue is shown (?town= for readers of several)."""
    wanted = request.GET.get("town", "")
    town_id = parse_id(wanted) if wanted else None
    if wanted and town_id is None:
        raise Http404("镇（街道）不存在或您无权查看")
    return access.reader_town(user, town_id)


@role_required(*READ_ROLES)
def talk_list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    talks = access.visible_talks(user).select_related("interviewer")
    only_unreviewed = request.GET.get("unreviewed") == "1"
    if only_unreviewed:
        talks = talks.unreviewed()
    search_form, text = SearchForm.read(request.GET, placeholder="谈话内容、地点、谈话人或谈话对象")
    talks = talks.none() if search_form.is_refused else queries.search_talks(talks, text)
    # Newest first, one page at a time: a page costs the same however many talks there are.
    page = keyset_page(
        talks.prefetch_related("interviewees"),
        field="talked_on",
        parse=date.fromisoformat,
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
    )
    towns = list_office_towns(user)
    context: dict[str, Any] = {
        "talks": page.rows,
        "page": page,
        "base_query": query_without_cursor(request),
        "only_unreviewed": only_unreviewed,
        "search_form": search_form,
        "keep": [("unreviewed", "1")] if only_unreviewed else [],
        "query": text,
        "unreviewed_count": access.visible_talks(user).unreviewed().count(),
        "is_office": bool(towns),
        "is_town_reader": bool(access.reader_towns(user)),
        "can_review": bool(towns) and access.can_review(user, towns[0]),
        "is_supervisor": user.has_role(Role.SUPERVISOR),
    }
    return render(request, "accountability/talk_list.html", context)


@role_required(*OFFICE_ROLES)
def talk_create_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    town = _office_town(user)
    form = TalkForm(request.POST or None, town=town)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        leaders = leaders_of(town)
        leader = data["interviewer"] if data["interviewer"] in leaders else leaders[0]
        problems = [
            services.ProblemInput(
                description=line.strip(),
                measures=data["measures"],
                responsible_person=data["responsible_person"],
                responsible_leader=leader,
                village=data["problem_village"],
            )
            for line in data["problems"].splitlines()
            if line.strip()
        ]
        try:
            talk = services.record_talk(
                actor=user,
                unit=town,
                data=services.TalkInput(
                    talked_on=data["talked_on"],
                    place=data["place"],
                    interviewer=data["interviewer"],
                    interviewees=list(data["interviewees"]),
                    recorder=data["recorder"],
                    kind=data["kind"],
                    topics=data["topics"],
                    other_topics=data["other_topics"],
                    content=data["content"],
                    follow_up=data["follow_up"],
                    problems=problems,
                    leads=[line.strip() for line in data["leads"].splitlines() if line.strip()],
                    lead_village=data["problem_village"],
                ),
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "谈话记录已登记。")
            return redirect("accountability:detail", talk_id=talk.pk)
    return render(request, "accountability/talk_form.html", {"form": form, "town": town})


@role_required(*READ_ROLES)
def talk_detail_view(request: AuthenticatedHttpRequest, talk_id: int) -> HttpResponse:
    user = request.user
    talk = access.get_talk_for_user(user, talk_id)
    found = queries.found_in_talk(user, talk)
    context = {
        "talk": talk,
        "interviewees": talk.interviewees.all(),
        "items": found.items,
        "leads": found.leads,
        "restricted": found.restricted,
        "can_edit": access.can_record(user, talk.unit),
    }
    return render(request, "accountability/talk_detail.html", context)


@role_required(*OFFICE_ROLES)
def talk_edit_view(request: AuthenticatedHttpRequest, talk_id: int) -> HttpResponse:
    """更正谈话记录: the office corrects a saved record; a reviewed one goes back to review."""
    user = request.user
    talk = access.get_talk_for_user(user, talk_id)
    if not access.can_record(user, talk.unit):
        raise PermissionDenied("只有本镇扫黑办工作人员或领导小组成员可以修改谈心谈话记录")
    form = TalkEditForm(
        request.POST or None, town=talk.unit, initial=TalkEditForm.initial_for(talk)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.edit_talk(
                actor=user,
                talk=talk,
                data=services.TalkEdit(
                    talked_on=data["talked_on"],
                    place=data["place"],
                    interviewees=list(data["interviewees"]),
                    kind=data["kind"],
                    topics=data["topics"],
                    other_topics=data["other_topics"],
                    content=data["content"],
                    follow_up=data["follow_up"],
                ),
                version=data["version"],
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            reviewed = talk.edited_after_review_at is not None
            note = "，该记录已梳理，现标为“审阅后修改”，待下次定期梳理" if reviewed else ""
            messages.success(request, f"谈话记录已修改{note}。")
            return redirect("accountability:detail", talk_id=talk.pk)
    return render(
        request,
        "accountability/talk_edit.html",
        {"form": form, "talk": talk},
        status=400 if request.method == "POST" else 200,
    )


@role_required(*TOWN_READERS)
def coverage_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    town, towns = _reader_town(request, user)
    start, end = PeriodForm.default_period()
    # Only the period's own fields bind the form: a bare ?town= keeps the default period.
    asked = "start" in request.GET or "end" in request.GET
    form = PeriodForm(request.GET if asked else None, initial={"start": start, "end": end})
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    coverage = queries.get_coverage(town, start=start, end=end)
    return render(
        request,
        "accountability/coverage.html",
        {
            "form": form,
            "coverage": coverage,
            "town": town,
            "towns": towns,
            "can_review": access.can_review(user, town),
            "is_supervisor": user.has_role(Role.SUPERVISOR),
        },
    )


@role_required(Role.LEADER, Role.DEPUTY_LEADER, Role.SUPERVISOR)
def review_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """定期梳理: leaders sign off; a supervisor reads the queue and past reviews, nothing more."""
    user = request.user
    town, towns = _reader_town(request, user)
    can_review = access.can_review(user, town)
    if request.method == "POST" and not can_review:
        raise PermissionDenied("只有领导小组组长、副组长可以梳理谈话记录")
    access.require_review_reader(user, town)
    form = ReviewForm(request.POST or None) if can_review else None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            review = services.review_talks(
                actor=user,
                unit=town,
                covers_until=form.cleaned_data["covers_until"],
                opinion=form.cleaned_data["opinion"],
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, f"已梳理 {review.talks.count()} 份谈话记录。")
            return redirect("accountability:review")
    context = {
        "form": form,
        "town": town,
        "towns": towns,
        "can_review": can_review,
        "unreviewed": queries.review_queue(user, town),
        "reviews": queries.recent_reviews(town),
    }
    return render(request, "accountability/review.html", context)
