from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from saohei.api.services import create_api_token
from saohei.common.errors import ServiceError
from saohei.organisations.models import User


class Command(BaseCommand):
    help = "为账号创建接口令牌；令牌只显示这一次，请妥善保存。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="命令行创建", help="令牌名称，便于日后辨认和吊销")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"账号 {options['username']} 不存在")
        try:
            token, plaintext = create_api_token(user=user, name=options["name"])
        except ServiceError as error:
            raise CommandError(error.message) from error
        self.stderr.write(
            f"已为 {user} 创建令牌“{token.name}”（前缀 {token.prefix}），只显示这一次："
        )
        self.stdout.write(plaintext)
