from django.urls import path

from saohei.leads import settings_views, stats_views, views

app_name = "leads"

urlpatterns = [
    path("", views.lead_list_view, name="list"),
    path("new/", views.lead_create_view, name="create"),
    path("export.xlsx", views.lead_export_view, name="export"),
    path("stats/", stats_views.stats_view, name="stats"),
    path("settings/", settings_views.settings_view, name="settings"),
    path("settings/entries/", settings_views.add_entry_view, name="settings_add"),
    path(
        "settings/entries/<int:entry_id>/toggle/",
        settings_views.toggle_entry_view,
        name="settings_toggle",
    ),
    path("settings/time-limits/", settings_views.time_limit_view, name="settings_time_limit"),
    path("<int:lead_id>/", views.lead_detail_view, name="detail"),
    path("<int:lead_id>/triage/", views.triage_view, name="triage"),
    path("<int:lead_id>/assign/", views.assign_view, name="assign"),
    path("<int:lead_id>/investigate/", views.investigate_view, name="investigate"),
    path("<int:lead_id>/police-feedback/", views.police_feedback_view, name="police_feedback"),
    path("<int:lead_id>/propose/", views.propose_view, name="propose"),
    path("<int:lead_id>/sign-off/", views.sign_off_view, name="sign_off"),
    path("<int:lead_id>/feedback/", views.feedback_view, name="feedback"),
    path(
        "<int:lead_id>/feedback/<int:feedback_id>.docx",
        views.feedback_docx_view,
        name="feedback_docx",
    ),
    path("<int:lead_id>/follow-up/", views.follow_up_view, name="follow_up"),
    path("<int:lead_id>/archive/", views.archive_view, name="archive"),
    path("<int:lead_id>/reopen/", views.reopen_view, name="reopen"),
    path("<int:lead_id>/extend/", views.extend_view, name="extend"),
    path("<int:lead_id>/instruct/", views.instruct_view, name="instruct"),
    path(
        "<int:lead_id>/instructions/<int:instruction_id>/answer/",
        views.answer_instruction_view,
        name="answer_instruction",
    ),
    path("<int:lead_id>/merge/", views.merge_view, name="merge"),
    path("<int:lead_id>/link/", views.link_view, name="link"),
    path("<int:lead_id>/subjects/add/", views.add_subject_view, name="add_subject"),
    path("<int:lead_id>/correct/", views.correct_facts_view, name="correct"),
    path(
        "<int:lead_id>/subjects/<int:subject_id>/edit/",
        views.edit_subject_view,
        name="edit_subject",
    ),
    path(
        "<int:lead_id>/subjects/<int:subject_id>/remove/",
        views.remove_subject_view,
        name="remove_subject",
    ),
    path(
        "<int:lead_id>/subjects/<int:subject_id>/plates/",
        views.subject_plates_view,
        name="subject_plates",
    ),
    path(
        "<int:lead_id>/subjects/<int:subject_id>/reveal/",
        views.reveal_subject_view,
        name="reveal_subject",
    ),
    path(
        "<int:lead_id>/attachments/<int:attachment_id>/",
        views.attachment_download_view,
        name="attachment",
    ),
]
