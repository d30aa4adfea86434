from django.apps import AppConfig


class PublicityConfig(AppConfig):
    name = "saohei.publicity"
    verbose_name = "宣传发动"
