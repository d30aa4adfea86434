from django.urls import path

from saohei.publicity import views

app_name = "publicity"

urlpatterns = [
    path("", views.activity_list_view, name="list"),
    path("totals/", views.totals_view, name="totals"),
    path("new/", views.activity_create_view, name="create"),
    path("export/", views.export_view, name="export"),
    path("schedules/", views.schedule_list_view, name="schedules"),
    path("schedules/accrue/", views.accrue_view, name="accrue"),
    path("schedules/<int:schedule_id>/stop/", views.schedule_stop_view, name="schedule_stop"),
    path("kinds/", views.kind_list_view, name="kinds"),
    path("kinds/<int:kind_id>/", views.kind_edit_view, name="kind_edit"),
    path("<int:activity_id>/", views.activity_detail_view, name="detail"),
    path("<int:activity_id>/edit/", views.activity_edit_view, name="edit"),
    path("<int:activity_id>/void/", views.activity_void_view, name="void"),
    path("<int:activity_id>/photos/<int:photo_id>/", views.photo_view, name="photo"),
]
