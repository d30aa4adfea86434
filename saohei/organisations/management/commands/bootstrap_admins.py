import secrets
import string
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from saohei.common.errors import ServiceError
from saohei.organisations.services import bootstrap_installation


def random_password() -> str:
    """16 characters with all four classes, so it passes any policy the 安全管理员 may set."""
    alphabet = string.ascii_letters + string.digits + "#@%+-"
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(16))
        if (
            any(c.islower() for c in candidate)
            and any(c.isupper() for c in candidate)
            and any(c.isdigit() for c in candidate)
            and any(not c.isalnum() for c in candidate)
        ):
            return candidate


class Command(BaseCommand):
    help = (
        "新系统首次启动：建立市、镇两级单位与三员账号（随机初始密码，只显示一次，首次登录须修改）。"
    )

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
        passwords = {name: random_password() for name in ("xitong", "anquan", "shenji")}
        try:
            admins = bootstrap_installation(
                city_name=options["city"].strip(),
                town_name=options["town"].strip(),
                town_code=code,
                passwords=passwords,
            )
        except ServiceError as error:
            raise CommandError(error.message) from error
        self.stdout.write("已建立三员账号。初始密码只显示这一次，请分别当面交给本人：")
        for admin in admins:
            self.stdout.write(f"  {admin.real_name} {admin.username}: {passwords[admin.username]}")
