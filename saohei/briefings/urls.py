from django.urls import path

from saohei.briefings import views

app_name = "briefings"

urlpatterns = [
    path("", views.index_view, name="index"),
    path("export.<str:file_format>", views.export_view, name="export"),
    path("figures/<str:key>/", views.figure_view, name="figure"),
    path("settings/<int:unit_id>/", views.settings_view, name="settings"),
    path("drafts/new/", views.draft_create_view, name="draft_create"),
    path("drafts/<int:draft_id>/", views.draft_view, name="draft"),
    path("drafts/<int:draft_id>/regenerate/", views.draft_regenerate_view, name="draft_regenerate"),
    path(
        "drafts/<int:draft_id>/export.<str:file_format>",
        views.draft_export_view,
        name="draft_export",
    ),
]
