from django.urls import path

from saohei.workdays import views

app_name = "workdays"

urlpatterns = [
    path("", views.index_view, name="index"),
    path("overrides/add/", views.override_add_view, name="override_add"),
    path(
        "overrides/<int:override_id>/remove/",
        views.override_remove_view,
        name="override_remove",
    ),
]
