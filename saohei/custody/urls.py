from django.urls import path

from saohei.custody import views

app_name = "vault"

urlpatterns = [
    path("", views.index_view, name="index"),
    path("leads/<int:lead_id>/", views.lead_view, name="lead"),
    path("leads/<int:lead_id>/reveal/", views.reveal_view, name="reveal"),
    path("leads/<int:lead_id>/follow-up/", views.follow_up_view, name="follow_up"),
    path("leads/<int:lead_id>/reward/", views.reward_view, name="reward"),
    path("rewards/", views.reward_list_view, name="rewards"),
    path("rewards/<int:reward_id>/decide/", views.decide_view, name="decide"),
    path("rewards/<int:reward_id>/payment/", views.payment_view, name="payment"),
]
