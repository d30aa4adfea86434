from django.db import migrations

from saohei.inspections.defaults import FOLDERS, seed_default_folders


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    seed_default_folders(apps.get_model("inspections", "ArchiveFolder"))


def unseed(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("inspections", "ArchiveFolder").objects.filter(name__in=FOLDERS).delete()


class Migration(migrations.Migration):
    dependencies = [("inspections", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
