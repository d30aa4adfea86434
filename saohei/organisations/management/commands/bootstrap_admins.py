from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from saohei.common.errors import ServiceError
from saohei.organisations.services import bootstrap_installation


class Command(BaseCommand):
    help = "新系统首次启动：建立市、镇两级单位与三员账号（一次性初始密码，只显示一次，首次登录须修改）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--city", required=True, help="市级单位名称，如 荣成市扫黑办")
        parser.add_argument("--town", required=True, help="镇名称，如 港西镇")
        parser.add_argument(
            "--code", required=True, help="镇代码（大写字母），用作线索编号前缀，如 GX"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        code = options["code"].strip().upper()
        if not code.isalnum() or not code.isascii() or len(code) > 16:
            raise CommandError("镇代码只能由大写字母和数字组成，最长16位")
        try:
            issued = bootstrap_installation(
                city_name=options["city"].strip(),
                town_name=options["town"].strip(),
                town_code=code,
            )
        except ServiceError as error:
            raise CommandError(error.message) from error
        expires = timezone.localtime(issued[0].expires_at)
        self.stdout.write(
            "已建立三员账号。一次性初始密码只显示这一次，只能登录一次，"
            f"须在 {expires:%Y-%m-%d %H:%M} 前使用，请分别当面交给本人："
        )
        for credential in issued:
            user = credential.user
            self.stdout.write(f"  {user.real_name} {user.username}: {credential.one_time_password}")
