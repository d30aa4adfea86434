"""Default dictionaries (DOMAIN.md §3.2, §3.3) and time limits; all editable afterwards."""

from django.db import migrations

from saohei.leads.defaults import seed_defaults


def seed(apps, schema_editor):
    seed_defaults(
        apps.get_model("leads", "DictionaryEntry"), apps.get_model("leads", "SourceTimeLimit")
    )


class Migration(migrations.Migration):
    dependencies = [("leads", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
