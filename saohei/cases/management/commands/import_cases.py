from contextlib import ExitStack
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from saohei.cases.models import ImportStatus
from saohei.cases.services import import_cases_file
from saohei.common.errors import ServiceError
from saohei.organisations.models import Unit, UnitKind, User


class Command(BaseCommand):
    help = (
        "导入派出所提供的刑事、治安案件：PATH 为 .xlsx 工作簿（含“案件”“涉案人员”工作表）"
        "或“案件”CSV，PATH2 为可选的“涉案人员”CSV。任何一行有错则不写入，并列出每一处错误。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help=".xlsx 工作簿或“案件”CSV")
        parser.add_argument("persons_path", nargs="?", help="“涉案人员”CSV（可选）")
        parser.add_argument("--unit", help="导入到哪个镇（街道），如 港西镇；只有一个镇时可省略")
        parser.add_argument(
            "--user", help="以哪个账号的名义导入（记入审计）；省略时记为服务器命令行"
        )
        parser.add_argument(
            "--sender",
            default="",
            help="来文单位，如 港西派出所：按该单位在页面上保存的取值对照读取",
        )
        parser.add_argument(
            "--skip-rejected",
            action="store_true",
            help="有错误的案件（连同其涉案人员）先不导入，其余照常导入",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        unit = self._unit(options["unit"])
        actor = None
        if options["user"]:
            actor = User.objects.filter(username=options["user"], is_active=True).first()
            if actor is None:
                raise CommandError(f"账号 {options['user']} 不存在或已停用")
        paths = [Path(options["path"])]
        if options["persons_path"]:
            paths.append(Path(options["persons_path"]))
        for path in paths:
            if not path.is_file():
                raise CommandError(f"找不到文件 {path}")
        with ExitStack() as stack:
            files = [stack.enter_context(path.open("rb")) for path in paths]
            try:
                job = import_cases_file(
                    actor=actor,
                    unit=unit,
                    file=files[0],
                    persons_file=files[1] if len(files) > 1 else None,
                    skip_rejected=options["skip_rejected"],
                    sender=options["sender"],
                )
            except ServiceError as error:
                raise CommandError(error.message) from error
        for problem in job.errors:
            self.stderr.write(
                f"工作表“{problem['sheet']}” 第{problem['row']}行 {problem['column']}："
                f"{problem['message']}"
            )
        if job.status == ImportStatus.SUCCEEDED:
            self.stdout.write(job.message)
            return
        raise CommandError(job.message)

    def _unit(self, name: str | None) -> Unit:
        towns = Unit.objects.filter(kind=UnitKind.TOWN, is_active=True)
        if name:
            towns = towns.filter(name=name)
        found = list(towns[:2])
        if len(found) == 1:
            return found[0]
        if name:
            raise CommandError(
                f"没有名为“{name}”的镇（街道）" if not found else f"有多个名为“{name}”的镇"
            )
        raise CommandError(
            "有多个镇（街道），请用 --unit 指定" if found else "还没有任何镇（街道）"
        )
