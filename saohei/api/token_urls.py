from django.urls import path

from saohei.api import views

app_name = "api_tokens"

urlpatterns = [
    path("", views.token_list_view, name="list"),
    path("new/", views.token_create_view, name="create"),
    path("<int:token_id>/revoke/", views.token_revoke_view, name="revoke"),
]
