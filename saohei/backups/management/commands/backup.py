from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from saohei.backups.services import BackupFailed, create_backup


class Command(BaseCommand):
    help = (
        "在系统运行时做一次一致的在线备份：数据库（SQLite 在线备份接口 / PostgreSQL pg_dump -Fc）"
        "与全部上传文件打包为一个文件，以备份密钥（SAOHEI_BACKUP_KEY 或 var/backup_key，"
        "不是数据密钥）做 SM4-GCM 加密，内含 SM3 校验清单。备份中不含任何密钥：数据密钥、"
        "索引密钥、审计密钥和备份密钥须另行妥善保管。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            metavar="目录",
            help="备份写入此目录（默认 SAOHEI_BACKUP_DIR，即 var/backups）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        output = options["output"]
        try:
            run = create_backup(output_dir=Path(output) if output else None)
        except BackupFailed as error:
            raise CommandError(error.message) from error
        seconds = (run.finished_at - run.started_at).total_seconds() if run.finished_at else 0
        self.stdout.write(
            f"备份完成：{run.file_name}（{run.size_bytes / 1024 / 1024:.1f} MB，用时 {seconds:.1f} 秒）"
        )
