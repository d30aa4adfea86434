from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from saohei.organisations.models import Unit


class Command(BaseCommand):
    help = "数据库中尚无任何单位时载入演示数据（供 make run 使用）。"

    def handle(self, *args: Any, **options: Any) -> None:
        if Unit.objects.exists():
            self.stdout.write("数据库已有数据，跳过演示数据。")
            return
        call_command("load_demo", stdout=self.stdout)
