from django.apps import AppConfig


class VillageReportsConfig(AppConfig):
    name = "saohei.village_reports"
    verbose_name = "村月报与零报告"
