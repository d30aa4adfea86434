from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "saohei.audit"
    verbose_name = "审计"
