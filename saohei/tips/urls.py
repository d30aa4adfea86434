from django.urls import path

from saohei.tips import views

app_name = "tips"

urlpatterns = [
    path("", views.queue_view, name="queue"),
    path("<int:tip_id>/", views.tip_detail_view, name="detail"),
    path("<int:tip_id>/accept/", views.accept_view, name="accept"),
    path("<int:tip_id>/spam/", views.spam_view, name="spam"),
    path("<int:tip_id>/restore/", views.restore_view, name="restore"),
    path("<int:tip_id>/message/", views.message_view, name="message"),
    path(
        "<int:tip_id>/attachments/<int:attachment_id>/",
        views.attachment_view,
        name="attachment",
    ),
    path("<int:tip_id>/persons/add/", views.add_person_view, name="add_person"),
]
