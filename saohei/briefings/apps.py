from django.apps import AppConfig


class BriefingsConfig(AppConfig):
    name = "saohei.briefings"
    verbose_name = "工作简报"
