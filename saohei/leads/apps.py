from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "saohei.leads"
    verbose_name = "线索摸排"
