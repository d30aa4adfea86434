from django.apps import AppConfig


class BackupsConfig(AppConfig):
    name = "saohei.backups"
    verbose_name = "备份与恢复"

    def ready(self) -> None:
        from saohei.backups.queries import backup_check
        from saohei.health.checks import Check, register_check

        register_check(Check("backup", "数据备份", backup_check))
