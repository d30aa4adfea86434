from django.urls import path

from saohei.sheets import views

app_name = "sheets"

urlpatterns = [
    path("mappings/", views.mappings_view, name="mappings"),
    path("mappings/<int:mapping_id>/", views.mapping_view, name="mapping"),
    path("mappings/<int:mapping_id>/delete/", views.mapping_delete_view, name="mapping_delete"),
]
