from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "saohei.common"
    verbose_name = "公共"
