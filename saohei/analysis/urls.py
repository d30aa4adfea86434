from django.urls import path

from saohei.analysis import vetting_views, views

app_name = "analysis"

urlpatterns = [
    path("leads/<int:lead_id>/suggestions/", views.lead_suggestions_view, name="lead_suggestions"),
    path("tips/<int:tip_id>/suggestions/", views.tip_suggestions_view, name="tip_suggestions"),
    path("cases/<int:case_id>/suggestions/", views.case_suggestions_view, name="case_suggestions"),
    path("chart/person/<int:person_id>/", views.person_chart_view, name="person_chart"),
    path("chart/lead/<int:lead_id>/", views.lead_chart_view, name="lead_chart"),
    path("chart/case/<int:case_id>/", views.case_chart_view, name="case_chart"),
    path("vetting/", vetting_views.vetting_view, name="vetting"),
    path("vetting/<int:run_id>/", vetting_views.vetting_run_view, name="vetting_run"),
    path("vetting/<int:run_id>/export/", vetting_views.vetting_export_view, name="vetting_export"),
    path("prompts/", views.prompt_list_view, name="prompts"),
    path("prompts/<int:prompt_id>/", views.prompt_detail_view, name="prompt"),
    path("prompts/<int:prompt_id>/confirm/", views.prompt_confirm_view, name="prompt_confirm"),
    path("prompts/<int:prompt_id>/dismiss/", views.prompt_dismiss_view, name="prompt_dismiss"),
    path("settings/", views.settings_view, name="settings"),
]
