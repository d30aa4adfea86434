from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from saohei.api.models import TokenScope
from saohei.api.services import create_api_token
from saohei.common.errors import ServiceError
from saohei.organisations.models import User


class Command(BaseCommand):
    help = "为账号创建接口令牌；令牌只显示这一次，请妥善保存。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="命令行创建", help="令牌名称，便于日后辨认和吊销")
        parser.add_argument("--read-only", action="store_true", help="只读令牌：只能查询")
        parser.add_argument("--days", type=int, default=None, help="有效天数；不填为长期有效")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"账号 {options['username']} 不存在")
        days = options["days"]
        if days is not None and not 1 <= days <= 3660:
            raise CommandError("有效天数应在 1 到 3660 之间")
        try:
            token, plaintext = create_api_token(
                user=user,
                name=options["name"],
                scope=TokenScope.READ_ONLY if options["read_only"] else TokenScope.READ_WRITE,
                expires_at=timezone.now() + timedelta(days=days) if days else None,
            )
        except ServiceError as error:
            raise CommandError(error.message) from error
        self.stderr.write(
            f"已为 {user} 创建令牌“{token.name}”（前缀 {token.prefix}），只显示这一次："
        )
        self.stdout.write(plaintext)
