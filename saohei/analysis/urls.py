from django.urls import path

from saohei.analysis import list_views, person_views, vetting_views, views

app_name = "analysis"

urlpatterns = [
    path("leads/<int:lead_id>/suggestions/", views.lead_suggestions_view, name="lead_suggestions"),
    path("tips/<int:tip_id>/suggestions/", views.tip_suggestions_view, name="tip_suggestions"),
    path("cases/<int:case_id>/suggestions/", views.case_suggestions_view, name="case_suggestions"),
    path("persons/", person_views.person_search_view, name="person_search"),
    path("persons/<int:person_id>/", person_views.person_view, name="person"),
    path("persons/<int:person_id>/merge/", person_views.person_merge_view, name="person_merge"),
    path(
        "persons/<int:person_id>/appearances/<int:appearance_id>/split/",
        person_views.appearance_split_view,
        name="appearance_split",
    ),
    path("merges/<int:merge_id>/undo/", person_views.merge_undo_view, name="merge_undo"),
    path("splits/<int:split_id>/undo/", person_views.split_undo_view, name="split_undo"),
    path("same-person/", person_views.same_person_list_view, name="same_person"),
    path(
        "same-person/<int:suggestion_id>/confirm/",
        person_views.same_person_confirm_view,
        name="same_person_confirm",
    ),
    path(
        "same-person/<int:suggestion_id>/reject/",
        person_views.same_person_reject_view,
        name="same_person_reject",
    ),
    path("exclusions/", person_views.exclusion_list_view, name="exclusions"),
    path(
        "exclusions/<int:exclusion_id>/remove/",
        person_views.exclusion_remove_view,
        name="exclusion_remove",
    ),
    path("shared/", person_views.shared_list_view, name="shared"),
    path(
        "shared/<int:shared_id>/exclude/", person_views.shared_exclude_view, name="shared_exclude"
    ),
    path("leads/<int:lead_id>/related/", person_views.lead_related_view, name="lead_related"),
    path("cases/<int:case_id>/related/", person_views.case_related_view, name="case_related"),
    path("tips/<int:tip_id>/related/", person_views.tip_related_view, name="tip_related"),
    path("chart/person/<int:person_id>/", views.person_chart_view, name="person_chart"),
    path("chart/lead/<int:lead_id>/", views.lead_chart_view, name="lead_chart"),
    path("chart/case/<int:case_id>/", views.case_chart_view, name="case_chart"),
    path("chart/prompt/<int:prompt_id>/", views.prompt_chart_view, name="prompt_chart"),
    path("vetting/", vetting_views.vetting_view, name="vetting"),
    path("vetting/<int:run_id>/", vetting_views.vetting_run_view, name="vetting_run"),
    path("vetting/<int:run_id>/export/", vetting_views.vetting_export_view, name="vetting_export"),
    path("prompts/", views.prompt_list_view, name="prompts"),
    path("prompts/<int:prompt_id>/", views.prompt_detail_view, name="prompt"),
    path("prompts/<int:prompt_id>/confirm/", views.prompt_confirm_view, name="prompt_confirm"),
    path("prompts/<int:prompt_id>/dismiss/", views.prompt_dismiss_view, name="prompt_dismiss"),
    path("settings/", views.settings_view, name="settings"),
    path("key-persons/", list_views.key_persons_view, name="key_persons"),
    path(
        "key-persons/export.xlsx",
        list_views.key_persons_export_view,
        name="key_persons_export",
    ),
    path("co-offenders/", list_views.co_offenders_view, name="co_offenders"),
    path(
        "co-offenders/export.xlsx",
        list_views.co_offenders_export_view,
        name="co_offenders_export",
    ),
]
