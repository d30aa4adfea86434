from typing import Any

from django.core.management.base import BaseCommand, CommandError

from saohei.health.checks import run_checks


class Command(BaseCommand):
    help = "检查系统运行状况（数据库、迁移、磁盘空间、后台任务进程、备份），有异常时以非零状态退出"

    def handle(self, *args: Any, **options: Any) -> None:
        results = run_checks()
        for result in results:
            mark = "正常" if result.ok else "异常"
            self.stdout.write(f"{result.label}：{mark}（{result.detail}）")
        failed = [result.label for result in results if not result.ok]
        if failed:
            raise CommandError(f"{len(failed)} 项异常：{'、'.join(failed)}")
