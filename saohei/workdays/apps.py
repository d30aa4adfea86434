from django.apps import AppConfig


class WorkdaysConfig(AppConfig):
    name = "saohei.workdays"
    verbose_name = "工作日历"
