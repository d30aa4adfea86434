from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "saohei.health"
    verbose_name = "运行状况"
