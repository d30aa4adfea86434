from django.apps import AppConfig


class AnalysisConfig(AppConfig):
    name = "saohei.analysis"
    verbose_name = "研判"
