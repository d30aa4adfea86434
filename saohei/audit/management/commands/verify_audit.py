from typing import Any

from django.core.management.base import BaseCommand, CommandError

from saohei.audit.queries import verify_chain


class Command(BaseCommand):
    help = "校验审计日志哈希链；发现篡改、删除或乱序插入时以非零状态退出。"

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if not report.is_intact:
            raise CommandError(
                f"审计日志在第 {report.broken_at_sequence} 条记录处断裂：{report.problem}"
                f"（此前 {report.checked} 条校验通过）"
            )
        self.stdout.write(f"审计日志完整：已校验 {report.checked} 条记录。")
