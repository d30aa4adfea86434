from django.apps import AppConfig


class DeadlinesConfig(AppConfig):
    name = "saohei.deadlines"
    verbose_name = "到期提醒"
