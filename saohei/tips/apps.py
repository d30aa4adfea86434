from django.apps import AppConfig


class TipsConfig(AppConfig):
    name = "saohei.tips"
    verbose_name = "群众举报受理"
