from typing import Any

from django.core.management.base import BaseCommand

from saohei.audit.services import take_checkpoint


class Command(BaseCommand):
    help = (
        "把已结束分钟的失败计数写入审计日志，再把链头（序号与哈希）签名后追加到检查点文件；"
        "由每小时的定时任务运行。"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        taken = take_checkpoint()
        checkpoint = taken.checkpoint
        self.stdout.write(
            f"已写入失败汇总 {taken.summaries} 条；已记录检查点：链头第 {checkpoint.sequence} 条"
            f"（{checkpoint.written_at_display}）。"
        )
