from django.urls import path

from saohei.analysis import list_views, views

app_name = "analysis"

urlpatterns = [
    path("leads/<int:lead_id>/suggestions/", views.lead_suggestions_view, name="lead_suggestions"),
    path("tips/<int:tip_id>/suggestions/", views.tip_suggestions_view, name="tip_suggestions"),
    path("cases/<int:case_id>/suggestions/", views.case_suggestions_view, name="case_suggestions"),
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
