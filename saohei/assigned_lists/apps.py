from django.apps import AppConfig


class AssignedListsConfig(AppConfig):
    name = "saohei.assigned_lists"
    verbose_name = "交办清单"

    def ready(self) -> None:
        from saohei.assigned_lists.access import import_towns
        from saohei.assigned_lists.kinds import ASSIGNED_LIST
        from saohei.sheets.registry import register_kind

        # A sender's saved mappings are corrected by whoever may import the town's lists.
        register_kind(ASSIGNED_LIST, import_towns=import_towns)
