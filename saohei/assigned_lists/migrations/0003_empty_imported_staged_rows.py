from django.db import migrations


def empty_imported(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Lists imported before the rows were emptied on import (decision 0061, addendum) kept
    their staged rows, ID numbers in clear; the lists hold what the 反馈 needs."""
    staged_sheet = apps.get_model("sheets", "StagedSheet")
    staged_sheet.objects.filter(imported_at__isnull=False).update(rows=[], merges=[])


class Migration(migrations.Migration):
    dependencies = [
        ("assigned_lists", "0002_list_import_job"),
        ("sheets", "0001_initial"),
    ]

    operations = [migrations.RunPython(empty_imported, migrations.RunPython.noop)]
