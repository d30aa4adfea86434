from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "saohei.jobs"
    verbose_name = "定时任务"
