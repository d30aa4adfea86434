from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "saohei.reports"
    verbose_name = "台账与统计报表"
