from typing import Any

from django.core.management.base import BaseCommand, CommandError

from saohei.organisations.checks import describe_conflict
from saohei.organisations.queries import list_dedicated_role_conflicts


class Command(BaseCommand):
    help = "列出同时持有专用角色（三员、举报信息保管员）与其他角色的账号；有则以非零状态退出。"

    def handle(self, *args: Any, **options: Any) -> None:
        conflicts = list(list_dedicated_role_conflicts())
        if not conflicts:
            self.stdout.write("没有违反专用账号规则的角色授权。")
            return
        for user in conflicts:
            self.stdout.write(describe_conflict(user))
        raise CommandError(f"{len(conflicts)} 个账号违反专用账号规则，请安全管理员撤销多余的角色。")
