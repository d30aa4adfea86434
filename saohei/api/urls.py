from django.urls import path

from saohei.api.api import api

urlpatterns = [path("v1/", api.urls)]  # type: ignore[arg-type]
