from django.apps import AppConfig


class HomeConfig(AppConfig):
    name = "saohei.home"
    verbose_name = "首页"
