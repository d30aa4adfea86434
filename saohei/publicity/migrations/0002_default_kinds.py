from django.db import migrations

from saohei.publicity.defaults import DEFAULT_KINDS, seed_default_kinds


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    seed_default_kinds(apps.get_model("publicity", "PublicityKind"))


def unseed(apps, schema_editor):  # type: ignore[no-untyped-def]
    codes = [code for code, *_ in DEFAULT_KINDS]
    apps.get_model("publicity", "PublicityKind").objects.filter(code__in=codes).delete()


class Migration(migrations.Migration):
    dependencies = [("publicity", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
