from django.db import models


class WorkerHeartbeat(models.Model):
    """The last sign of life of one task worker process (`run_worker`), every
    `heartbeat.INTERVAL` seconds; read by the health check and by the contexts whose jobs a
    worker runs, to tell an interrupted job from a running one (decision 0047)."""

    worker_id = models.CharField(max_length=64, unique=True)
    beat_at = models.DateTimeField()

    class Meta:
        verbose_name = "后台任务进程心跳"

    def __str__(self) -> str:
        return f"{self.worker_id} {self.beat_at:%Y-%m-%d %H:%M:%S}"
