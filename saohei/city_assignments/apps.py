from django.apps import AppConfig


class CityAssignmentsConfig(AppConfig):
    name = "saohei.city_assignments"
    verbose_name = "市级交办"
