from django.urls import path

from saohei.meetings import views

app_name = "meetings"

urlpatterns = [
    path("", views.meeting_list_view, name="list"),
    path("new/", views.meeting_create_view, name="create"),
    path("schedules/", views.schedule_view, name="schedules"),
    path("<int:meeting_id>/", views.meeting_detail_view, name="detail"),
    path("<int:meeting_id>/edit/", views.meeting_edit_view, name="edit"),
    path("<int:meeting_id>/decisions/", views.decision_add_view, name="decision_add"),
    path(
        "<int:meeting_id>/decisions/<int:decision_id>/",
        views.decision_detail_view,
        name="decision",
    ),
    path(
        "<int:meeting_id>/decisions/<int:decision_id>/edit/",
        views.decision_edit_view,
        name="decision_edit",
    ),
    path(
        "<int:meeting_id>/decisions/<int:decision_id>/task/",
        views.decision_task_view,
        name="decision_task",
    ),
    path(
        "<int:meeting_id>/decisions/<int:decision_id>/rectify/",
        views.decision_rectify_view,
        name="decision_rectify",
    ),
    path("<int:meeting_id>/opinions/", views.opinion_add_view, name="opinion_add"),
    path(
        "<int:meeting_id>/materials/<int:material_id>/",
        views.material_download_view,
        name="material",
    ),
    path("tasks/", views.task_list_view, name="tasks"),
    path("tasks/<int:task_id>/", views.task_detail_view, name="task"),
    path("tasks/<int:task_id>/complete/", views.task_complete_view, name="task_complete"),
    path("self-inspections/", views.self_inspection_list_view, name="self_inspection_list"),
    path("self-inspections/new/", views.self_inspection_create_view, name="self_inspection_create"),
    path(
        "self-inspections/<int:inspection_id>/",
        views.self_inspection_detail_view,
        name="self_inspection",
    ),
    path(
        "self-inspections/<int:inspection_id>/requirements/<int:requirement_id>/",
        views.assess_view,
        name="assess",
    ),
    path(
        "self-inspections/<int:inspection_id>/problems/",
        views.problem_add_view,
        name="problem_add",
    ),
]
