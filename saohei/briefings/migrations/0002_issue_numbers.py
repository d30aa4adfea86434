from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


def number_existing_drafts(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Drafts saved before issue numbers existed: numbered per town and year in saving order."""
    BriefingDraft = apps.get_model("briefings", "BriefingDraft")
    last: dict[tuple[int, int], int] = {}
    for draft in BriefingDraft.objects.order_by("created_at", "id"):
        day = timezone.localdate(draft.created_at)
        key = (draft.unit_id, day.year)
        last[key] = last.get(key, 0) + 1
        draft.issue_year, draft.issue_number, draft.issued_on = day.year, last[key], day
        draft.save(update_fields=["issue_year", "issue_number", "issued_on"])


# The fields are filled here and made required in 0003: on PostgreSQL a table altered in the
# transaction that updated its rows can refuse the ALTER ("pending trigger events").


class Migration(migrations.Migration):
    dependencies = [
        ("briefings", "0001_initial"),
        ("organisations", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="briefingdraft",
            name="issue_year",
            field=models.PositiveSmallIntegerField(null=True, verbose_name="年度"),
        ),
        migrations.AddField(
            model_name="briefingdraft",
            name="issue_number",
            field=models.PositiveIntegerField(null=True, verbose_name="期号"),
        ),
        migrations.AddField(
            model_name="briefingdraft",
            name="issued_on",
            field=models.DateField(null=True, verbose_name="印发日期"),
        ),
        migrations.AddField(
            model_name="briefingdraft",
            name="imprint",
            field=models.JSONField(blank=True, default=dict, verbose_name="版头版记"),
        ),
        migrations.RunPython(number_existing_drafts, migrations.RunPython.noop),
    ]
