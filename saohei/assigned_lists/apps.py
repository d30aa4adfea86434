from django.apps import AppConfig


class AssignedListsConfig(AppConfig):
    name = "saohei.assigned_lists"
    verbose_name = "交办清单"
