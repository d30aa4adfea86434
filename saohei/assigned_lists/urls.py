from django.urls import path

from saohei.assigned_lists import views

app_name = "assigned_lists"

urlpatterns = [
    path("", views.list_view, name="list"),
    path("import/", views.import_view, name="import"),
    path("import/<int:staged_id>/", views.staged_view, name="staged"),
    path("import/<int:staged_id>/rejected.xlsx", views.rejected_view, name="rejected"),
    path("jobs/<int:list_job_id>/", views.job_view, name="job"),
    path("jobs/<int:list_job_id>/retry/", views.job_retry_view, name="job_retry"),
    path("<int:list_id>/", views.detail_view, name="detail"),
    path("<int:list_id>/feedback.xlsx", views.feedback_view, name="feedback"),
    path("<int:list_id>/reports.zip", views.reports_view, name="reports"),
]
