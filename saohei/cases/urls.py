from django.urls import path

from saohei.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list_view, name="list"),
    path("export.xlsx", views.export_view, name="export"),
    path("imports/", views.import_view, name="import"),
    path("imports/template.xlsx", views.template_view, name="template"),
    path("imports/<int:job_id>/", views.import_job_view, name="import_job"),
    path("imports/<int:job_id>/rejected.xlsx", views.rejected_rows_view, name="import_rejected"),
    path("imports/<int:job_id>/retry/", views.import_retry_view, name="import_retry"),
    path("imports/<int:job_id>/values/", views.import_values_view, name="import_values"),
    path("<int:case_id>/", views.case_detail_view, name="detail"),
    path("<int:case_id>/review/", views.review_view, name="review"),
    path("<int:case_id>/persons/add/", views.add_person_view, name="add_person"),
]
