from django.urls import path

from saohei.city_assignments import views

app_name = "city_assignments"

urlpatterns = [
    path("", views.assignment_list_view, name="list"),
    path("new/", views.assignment_create_view, name="create"),
    path("export.xlsx", views.assignment_export_view, name="export"),
    path("<int:assignment_id>/", views.assignment_detail_view, name="detail"),
    path(
        "<int:assignment_id>/towns/<int:town_row_id>/accept/",
        views.accept_view,
        name="accept",
    ),
    path(
        "<int:assignment_id>/towns/<int:town_row_id>/return/",
        views.return_view,
        name="return",
    ),
]
