from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "saohei.api"
    verbose_name = "接口"
