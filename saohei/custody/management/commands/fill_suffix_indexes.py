from typing import Any

from django.core.management.base import BaseCommand

from saohei.common.models import SealedIdentity, fill_suffix_indexes
from saohei.common.sealing import SEALED_FIELDS


class Command(BaseCommand):
    help = (
        "为尚无尾号索引的身份证号、手机号补建尾号索引（按后四位检索用）。"
        "迁移时已自动补建；密钥当时不可用的行可在配置密钥后用本命令补齐，可重复运行。"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        # Every model holding the shared identity fields registers them for key rotation.
        models = {field.model for field in SEALED_FIELDS if issubclass(field.model, SealedIdentity)}
        for model in sorted(models, key=lambda model: model._meta.label):
            filled, unreadable = fill_suffix_indexes(model)
            line = f"{model._meta.verbose_name}：补建 {filled} 个"
            self.stdout.write(line + (f"，无法解密 {unreadable} 个" if unreadable else ""))
