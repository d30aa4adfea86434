from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "saohei.cases"
    verbose_name = "治安案件倒查"
