from base64 import b32encode
from binascii import unhexlify
from typing import Any

from django.core.management.base import BaseCommand

from saohei.demo.city import load_demo_city_assignments
from saohei.demo.loader import load_demo_town
from saohei.demo.town import DEMO_PASSWORD
from saohei.tips.receipts import group_receipt


class Command(BaseCommand):
    help = "载入演示数据：荣成市扫黑办 → 港西镇（21个村居）、派出所、领导小组与演示账号。重复运行不会改变任何数据。"

    def handle(self, *args: Any, **options: Any) -> None:
        report = load_demo_town()
        if report.created:
            self.stdout.write(f"已创建 {len(report.created)} 项演示数据。")
        else:
            self.stdout.write("演示数据已存在，未作改动。")
        # The city's assignments (decision 0062) are the command's: tests build their own.
        assigned = load_demo_city_assignments()
        if assigned:
            self.stdout.write(f"已创建市级交办 {assigned} 项（荣成市扫黑办 → 港西镇）。")
        self.stdout.write(
            f"演示账号密码均为 {DEMO_PASSWORD}。以下账号须输入动态口令（TOTP，30秒，6位）："
        )
        for username, hex_key in report.totp_secrets.items():
            secret = b32encode(unhexlify(hex_key)).decode("ascii").rstrip("=")
            self.stdout.write(f"  {username}: 密钥 {secret}")
        if report.tip_receipt:
            groups = " ".join(group_receipt(report.tip_receipt))
            self.stdout.write(
                f"演示群众举报（龙泉村，实名）的查询码：{groups}"
                "（只显示这一次，请记下；在 /jubao/check/ 查询进度）"
            )
        else:
            self.stdout.write(
                "演示群众举报的查询码已在首次载入时显示；系统不保存查询码，无法再次显示。"
            )
