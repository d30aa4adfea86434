from django.apps import AppConfig


class RectificationsConfig(AppConfig):
    name = "saohei.rectifications"
    verbose_name = "问题整改"
