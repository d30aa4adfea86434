from django.urls import path

from saohei.inspections import views

app_name = "inspections"

urlpatterns = [
    path("", views.round_list_view, name="list"),
    path("new/", views.round_create_view, name="create"),
    path("folders/", views.folder_list_view, name="folders"),
    path("<int:round_id>/", views.round_detail_view, name="detail"),
    path("<int:round_id>/findings/", views.finding_create_view, name="finding"),
    path(
        "<int:round_id>/findings/<int:finding_id>/edit/",
        views.finding_edit_view,
        name="finding_edit",
    ),
    path("<int:round_id>/checklist/<int:village_id>/", views.checklist_view, name="checklist"),
    path("<int:round_id>/photos/<int:photo_id>/", views.photo_view, name="photo"),
    path("<int:round_id>/onsite/<int:village_id>/", views.onsite_view, name="onsite"),
    path(
        "<int:round_id>/onsite/<int:village_id>.<str:file_format>",
        views.onsite_download_view,
        name="onsite_download",
    ),
    path("villages/<int:village_id>/", views.village_status_view, name="village"),
]
