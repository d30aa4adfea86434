from django.apps import AppConfig


class CustodyConfig(AppConfig):
    name = "saohei.custody"
    verbose_name = "举报人保护"
