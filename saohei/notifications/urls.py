from django.urls import path

from saohei.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.list_view, name="list"),
    path("read-all/", views.mark_all_read_view, name="mark_all_read"),
    path("preferences/", views.preferences_view, name="preferences"),
    path("<int:notification_id>/open/", views.open_view, name="open"),
]
