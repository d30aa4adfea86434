from django.urls import path

from saohei.accountability import views

app_name = "accountability"

urlpatterns = [
    path("", views.talk_list_view, name="list"),
    path("new/", views.talk_create_view, name="create"),
    path("coverage/", views.coverage_view, name="coverage"),
    path("review/", views.review_view, name="review"),
    path("<int:talk_id>/", views.talk_detail_view, name="detail"),
    path("<int:talk_id>/edit/", views.talk_edit_view, name="edit"),
]
