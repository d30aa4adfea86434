from django.urls import path

from saohei.home import views

app_name = "home"

urlpatterns = [
    path("", views.index_view, name="index"),
    path("healthz", views.healthz_view, name="healthz"),
    path("healthz/full", views.healthz_full_view, name="healthz_full"),
]
