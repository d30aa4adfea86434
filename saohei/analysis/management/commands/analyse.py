import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from saohei.analysis.registry import rebuild
from saohei.organisations.models import Unit

BAR_WIDTH = 30


class Command(BaseCommand):
    help = (
        "研判：从线索、治安案件和群众举报重建人员库（人员归并、号码关联、疑似同一人、研判提示）。"
        "保存记录时后台已自动增量更新；本命令用于首次启用、调整设置后或核对。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--unit", help="只重建某个单位（如 港西镇）及其下级的记录；省略时重建全部"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        unit = None
        if options["unit"]:
            found = list(Unit.objects.filter(name=options["unit"], is_active=True)[:2])
            if not found:
                raise CommandError(f"没有名为“{options['unit']}”的单位")
            if len(found) > 1:
                raise CommandError(f"有多个名为“{options['unit']}”的单位")
            unit = found[0]
        interactive = self.stdout.isatty() if hasattr(self.stdout, "isatty") else False

        def progress(done: int, total: int, label: str) -> None:
            filled = BAR_WIDTH * done // total
            line = f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total} {label}"
            if interactive:
                sys.stdout.write("\r" + line.ljust(70))
                sys.stdout.flush()
            else:
                self.stdout.write(line)

        result = rebuild(unit=unit, progress=progress)
        if interactive:
            sys.stdout.write("\n")
        for label, seconds in result.steps:
            self.stdout.write(f"  {label}：{seconds:.2f} 秒")
        self.stdout.write(
            f"完成：出现记录 {result.appearances} 条，人员 {result.persons} 人，"
            f"用时 {result.seconds:.1f} 秒"
        )
