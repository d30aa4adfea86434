from django.urls import path

from saohei.rectifications import views

app_name = "rectifications"

urlpatterns = [
    path("", views.item_list_view, name="list"),
    path("summary/", views.summary_view, name="summary"),
    path("new/", views.item_create_view, name="create"),
    path("export/", views.export_view, name="export"),
    path("<int:item_id>/", views.item_detail_view, name="detail"),
    path("<int:item_id>/progress/", views.progress_view, name="progress"),
    path("<int:item_id>/measures/", views.measures_view, name="measures"),
    path("<int:item_id>/request-closure/", views.request_closure_view, name="request_closure"),
    path("<int:item_id>/verify/", views.verify_view, name="verify"),
    path("<int:item_id>/recheck/", views.recheck_view, name="recheck"),
    path(
        "<int:item_id>/evidence/<int:evidence_id>/",
        views.evidence_download_view,
        name="evidence",
    ),
]
