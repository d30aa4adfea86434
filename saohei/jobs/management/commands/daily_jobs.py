from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from saohei.jobs.tasks import send_deadline_reminders


class Command(BaseCommand):
    help = (
        "运行每小时的定时任务：线索、整改事项和会议任务的到期提醒与催办、督办，"
        "常态化宣传每日累计，未发出的短信和邮件重新排队，中断的案件导入标记为失败（24 小时后删除其文件），"
        "距上次成功备份满一天时备份并按保留规则清理，审计日志失败汇总与检查点。"
        "--enqueue 交给后台任务进程执行。应每小时运行一次；重复运行不会重复提醒。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--enqueue", action="store_true", help="放入任务队列，由后台任务进程（run_worker）执行"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            result = send_deadline_reminders.enqueue()
            self.stdout.write(f"已加入任务队列：{result.id}")
            return
        outcome = send_deadline_reminders.call()
        self.stdout.write(
            f"线索：提醒 {outcome['reminded']} 条，催办 {outcome['urged']} 条，督办 {outcome['supervised']} 条；"
            f"整改事项：提醒 {outcome['rectifications_reminded']} 条，催办 {outcome['rectifications_urged']} 条，"
            f"督办 {outcome['rectifications_supervised']} 条；"
            f"会议任务：提醒 {outcome['tasks_reminded']} 条，催办 {outcome['tasks_urged']} 条，"
            f"督办 {outcome['tasks_supervised']} 条；"
            f"常态化宣传累计 {outcome['publicity_days_accrued']} 天；"
            f"重新排队的短信和邮件 {outcome['notices_requeued']} 条；"
            f"中断的案件导入 {outcome['imports_interrupted']} 个，"
            f"过期删除导入文件 {outcome['import_files_expired']} 个；"
            f"审计日志：失败汇总 {outcome['audit_failure_summaries']} 条，"
            f"检查点为链头第 {outcome['audit_checkpoint_sequence']} 条。"
        )
        if outcome["backup_failed"]:
            self.stdout.write("数据备份失败，详见备份记录；下一小时将重试。")
        elif outcome["backup_file"]:
            self.stdout.write(f"已备份：{outcome['backup_file']}。")
