"""`manage.py briefing --unit 港西镇 [--from DATE --to DATE] [--format txt|docx|pdf] [--output PATH]`"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from saohei.briefings import services
from saohei.briefings.compose import compose
from saohei.briefings.documents import from_briefing, to_docx, to_pdf
from saohei.briefings.forms import parse_period
from saohei.common.errors import ServiceError
from saohei.organisations.models import Unit, UnitKind

# Who the stamp and the audit name when the briefing is taken from the shell.
SHELL_EXPORTER = "命令行"


class Command(BaseCommand):
    help = "生成某镇（街道）的工作简报：txt 输出到标准输出，docx/pdf 写入 --output 指定的文件"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--unit", required=True, help="镇（街道）名称，如 港西镇")
        parser.add_argument("--from", dest="date_from", default="", help="起始日期 YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", default="", help="截止日期 YYYY-MM-DD")
        parser.add_argument(
            "--format", dest="file_format", default="txt", choices=["txt", "docx", "pdf"]
        )
        parser.add_argument("--output", default="", help="输出文件路径（docx/pdf 必填）")

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["unit"].strip()
        towns = list(Unit.objects.filter(name=name, kind=UnitKind.TOWN, is_active=True))
        if not towns:
            raise CommandError(f"未找到名为“{name}”的镇（街道）")
        if len(towns) > 1:
            raise CommandError(f"有多个名为“{name}”的镇（街道），请联系系统管理员区分名称")
        unit = towns[0]
        try:
            date_from, date_to = parse_period(options["date_from"], options["date_to"])
        except ServiceError as error:
            raise CommandError(error.message) from None
        file_format, output = options["file_format"], options["output"]
        if file_format != "txt" and not output:
            raise CommandError(f"导出 {file_format} 须用 --output 指定输出文件")
        if output and not Path(output).parent.exists():
            raise CommandError(f"输出目录不存在：{Path(output).parent}")

        document = from_briefing(compose(unit, date_from, date_to))
        services.record_export(
            actor=None,
            unit=unit,
            file_format=file_format,
            date_from=date_from,
            date_to=date_to,
            via="command",
        )
        if file_format == "txt":
            if output:
                Path(output).write_text(document.text, encoding="utf-8")
            else:
                self.stdout.write(document.text, ending="")
            return
        content = (to_docx if file_format == "docx" else to_pdf)(
            document, exported_by=SHELL_EXPORTER
        )
        Path(output).write_bytes(content)
        self.stderr.write(f"已写入 {output}")
