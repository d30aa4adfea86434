from django.urls import path

from saohei.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.centre_view, name="centre"),
    path("talks.xlsx", views.talks_export_view, name="talks_export"),
    path("meetings.xlsx", views.meetings_export_view, name="meetings_export"),
    path("inspections.xlsx", views.inspections_export_view, name="inspections_export"),
    path("statistics/", views.statistics_view, name="statistics"),
    path("statistics/export.xlsx", views.statistics_export_view, name="statistics_export"),
]
