from django.urls import path

from saohei.analysis import views

app_name = "analysis"

urlpatterns = [
    path("leads/<int:lead_id>/suggestions/", views.lead_suggestions_view, name="lead_suggestions"),
    path("tips/<int:tip_id>/suggestions/", views.tip_suggestions_view, name="tip_suggestions"),
    path("cases/<int:case_id>/suggestions/", views.case_suggestions_view, name="case_suggestions"),
    path("prompts/", views.prompt_list_view, name="prompts"),
    path("prompts/<int:prompt_id>/", views.prompt_detail_view, name="prompt"),
    path("prompts/<int:prompt_id>/confirm/", views.prompt_confirm_view, name="prompt_confirm"),
    path("prompts/<int:prompt_id>/dismiss/", views.prompt_dismiss_view, name="prompt_dismiss"),
    path("settings/", views.settings_view, name="settings"),
]
