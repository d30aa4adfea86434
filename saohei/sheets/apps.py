from django.apps import AppConfig


class SheetsConfig(AppConfig):
    name = "saohei.sheets"
    verbose_name = "表格导入"
