from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from saohei.common.crypto import DecryptionError
from saohei.common.errors import ServiceError
from saohei.common.keyfiles import KeyFileBusy
from saohei.common.sealing import DEFAULT_BATCH_SIZE, count_sealed
from saohei.custody.services import plan_rotation, rotate_data_key


class Command(BaseCommand):
    help = (
        "把全部加密数据（举报人身份，被反映人、涉案人员和联审候选人的身份证号、手机号）重新加密到新的数据密钥。"
        "使用密钥文件时自动生成新密钥并保留旧密钥；使用环境变量 SAOHEI_DATA_KEY 时须先把新密钥放在首位。"
        "分批提交，运行期间新旧数据均可读；中断后再次运行即可继续。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="只统计待重新加密的数量，不写入")
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help=f"每个事务重新加密的行数（默认 {DEFAULT_BATCH_SIZE}）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size 应为正整数")
        if options["dry_run"]:
            self._report_plan()
            return
        try:
            result = rotate_data_key(
                batch_size=options["batch_size"],
                progress=lambda label, done: self.stdout.write(f"  {label}：已重新加密 {done}"),
            )
        except (ServiceError, KeyFileBusy, DecryptionError) as error:
            raise CommandError(str(error)) from error
        if result.generated_key:
            self.stdout.write(f"已生成新数据密钥 {result.key_id} 并设为当前密钥（旧密钥保留）。")
        for label, count in result.counts.items():
            self.stdout.write(f"{label}：{count}")
        self.stdout.write(
            self.style.SUCCESS(
                f"完成：共重新加密 {result.total} 个值，全部位于当前密钥 {result.key_id} 下。"
            )
        )

    def _report_plan(self) -> None:
        plan = plan_rotation()
        self.stdout.write(f"当前数据密钥：{plan.current_key_id}")
        for label, count in plan.pending.items():
            self.stdout.write(f"{label}：待重新加密 {count}")
        if plan.refusal:
            self.stdout.write(plan.refusal)
        elif plan.will_generate_key:
            total = sum(count_sealed().values())
            self.stdout.write(
                f"所有数据已在当前密钥下；运行时将生成新密钥并重新加密全部 {total} 个值。"
            )
        else:
            self.stdout.write(
                f"运行时将把上述 {plan.total_pending} 个值重新加密到当前密钥 {plan.current_key_id}。"
            )
        self.stdout.write("（试运行，未写入任何数据）")
