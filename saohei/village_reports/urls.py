from django.urls import path

from saohei.village_reports import views

app_name = "village_reports"

urlpatterns = [
    path("", views.index_view, name="index"),
    path("villages/<int:village_id>/submit/", views.submit_view, name="submit"),
    path("towns/<int:unit_id>/due-day/", views.due_day_view, name="due_day"),
]
