from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "saohei.jobs"
    verbose_name = "定时任务"

    def ready(self) -> None:
        from saohei.health.checks import Check, register_check
        from saohei.jobs.heartbeat import worker_check

        register_check(Check("worker", "后台任务进程", worker_check))
