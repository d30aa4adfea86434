from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from saohei.audit.queries import check_integrity


class Command(BaseCommand):
    help = (
        "校验审计日志哈希链，并与最近的签名检查点核对链头；发现篡改、删除（含末尾删除）、"
        "乱序插入或伪造的检查点时以非零状态退出。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--checkpoint-from",
            metavar="文件",
            help="改用此文件中的检查点：审计管理员保存的审计日志导出（.xlsx）或另一份检查点文件",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source = options["checkpoint_from"]
        report = check_integrity(checkpoint_source=Path(source) if source else None)
        chain = report.chain
        problems = list(report.checkpoint_problems)
        if not chain.is_intact:
            problems.insert(
                0,
                f"审计日志在第 {chain.broken_at_sequence} 条记录处断裂：{chain.problem}"
                f"（此前 {chain.checked} 条校验通过）",
            )
        if problems:
            raise CommandError("\n".join(problems))
        if report.checkpoint is None:
            self.stdout.write(
                f"审计日志完整：已校验 {chain.checked} 条记录。"
                "尚无检查点，无法发现末尾被删除的记录（请运行 audit_checkpoint）。"
            )
            return
        self.stdout.write(
            f"审计日志完整：已校验 {chain.checked} 条记录；与 "
            f"{report.checkpoint.written_at_display} 的检查点（链头第 {report.checkpoint.sequence} 条）一致。"
        )
