from django.urls import path

from saohei.analysis import views

app_name = "analysis"

urlpatterns = [
    path("leads/<int:lead_id>/suggestions/", views.lead_suggestions_view, name="lead_suggestions"),
]
