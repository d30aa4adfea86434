"""The meeting tasks' reminder log goes into the one log of `deadlines` (decision 0038), no row lost:
copied before the old table is dropped, and back again when migrating backwards."""

from django.db import migrations

from saohei.deadlines.legacy import fold_into_log


class Migration(migrations.Migration):
    dependencies = [("meetings", "0003_task_reminders"), ("deadlines", "0001_initial")]

    operations = fold_into_log(old_model="meetings.TaskReminder", subject_field="task")
