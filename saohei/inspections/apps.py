from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "saohei.inspections"
    verbose_name = "村级档案检查"
