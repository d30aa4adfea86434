from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "saohei.demo"
    verbose_name = "演示数据"
