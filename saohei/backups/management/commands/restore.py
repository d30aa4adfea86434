from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from saohei.backups.services import RestoreRefused, restore_backup


class Command(BaseCommand):
    help = (
        "把备份恢复到一个全新的空安装（同一种数据库；数据库中不得有数据，上传文件目录须为空，"
        "不要先运行 migrate）。先在临时目录中解密并核对全部 SM3 校验值，再核对各表行数和审计"
        "日志哈希链；备份损坏、被截断、被改动或备份密钥不对时拒绝恢复，不写入任何数据。"
        "须提供与备份时相同的密钥：SAOHEI_BACKUP_KEY（备份密钥）、SAOHEI_DATA_KEY（数据密钥，"
        "含备份中用到的全部旧密钥）、SAOHEI_INDEX_KEY（索引密钥）和 SAOHEI_AUDIT_KEY（审计密钥），"
        "以环境变量或 var/ 下的密钥文件提供。"
    )

    # The checks read the database (organisations.W001), and the target is empty by design.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", metavar="备份文件", help="backup 命令写出的 .sbk 文件")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = restore_backup(path=Path(options["path"]))
        except RestoreRefused as error:
            raise CommandError(error.message) from error
        self.stdout.write(
            f"恢复完成：{report.tables} 张表、{report.rows} 行（与清单一致），"
            f"{report.files} 个上传文件（SM3 校验通过），审计日志 {report.audit_events_checked} 条"
            f"哈希链完整；{report.checkpoints}。若本版本有更新的迁移，请接着运行 migrate。"
        )
