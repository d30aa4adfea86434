from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from saohei.accountability import access, queries, services
from saohei.accountability.forms import PeriodForm, ReviewForm, TalkForm, leaders_of
from saohei.accountability.models import TalkReview
from saohei.common.access import role_required
from saohei.common.errors import ServiceError
from saohei.common.roles import Role
from saohei.organisations.models import Unit, User

READ_ROLES = (
    Role.LEADER,
    Role.DEPUTY_LEADER,
    Role.OFFICE_STAFF,
    Role.VILLAGE_HEAD,
    Role.POLICE_OFFICER,
)
OFFICE = (Role.LEADER, Role.DEPUTY_LEADER, Role.OFFICE_STAFF)


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _office_town(user: User) -> Unit:
    towns = access.office_towns(user)
    if not towns:
        raise PermissionDenied("您不是镇扫黑办工作人员或领导小组成员")
    return towns[0]


@role_required(*READ_ROLES)
def talk_list_view(request: HttpRequest) -> HttpResponse:
    user = _actor(request)
    talks = access.visible_talks(user).select_related("interviewer", "review")
    only_unreviewed = request.GET.get("unreviewed") == "1"
    if only_unreviewed:
        talks = talks.unreviewed()
    towns = access.office_towns(user)
    context: dict[str, Any] = {
        "talks": talks.prefetch_related("interviewees")[:200],
        "only_unreviewed": only_unreviewed,
        "unreviewed_count": access.visible_talks(user).unreviewed().count(),
        "is_office": bool(towns),
        "can_review": bool(towns) and access.can_review(user, towns[0]),
    }
    return render(request, "accountability/talk_list.html", context)


@role_required(*OFFICE)
def talk_create_view(request: HttpRequest) -> HttpResponse:
    user = _actor(request)
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
def talk_detail_view(request: HttpRequest, talk_id: int) -> HttpResponse:
    talk = access.get_talk_for_user(_actor(request), talk_id)
    context = {
        "talk": talk,
        "interviewees": talk.interviewees.all(),
        "items": talk.rectification_items.all(),
        "leads": talk.leads.all(),
    }
    return render(request, "accountability/talk_detail.html", context)


@role_required(*OFFICE)
def coverage_view(request: HttpRequest) -> HttpResponse:
    town = _office_town(_actor(request))
    start, end = PeriodForm.default_period()
    form = PeriodForm(request.GET or None, initial={"start": start, "end": end})
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    coverage = queries.get_coverage(town, start=start, end=end)
    return render(
        request,
        "accountability/coverage.html",
        {"form": form, "coverage": coverage, "town": town},
    )


@role_required(Role.LEADER, Role.DEPUTY_LEADER)
def review_view(request: HttpRequest) -> HttpResponse:
    user = _actor(request)
    town = _office_town(user)
    if not access.can_review(user, town):
        raise PermissionDenied("只有领导小组组长、副组长可以梳理谈话记录")
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
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
        "unreviewed": access.visible_talks(user)
        .filter(unit=town)
        .unreviewed()
        .select_related("interviewer"),
        "reviews": TalkReview.objects.filter(unit=town).select_related("reviewer")[:20],
    }
    return render(request, "accountability/review.html", context)
