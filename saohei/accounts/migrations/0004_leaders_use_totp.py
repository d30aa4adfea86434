"""Leaders read officials' leads (保护伞): a saved policy now requires TOTP of them too."""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

LEADER_ROLES = ["leader", "deputy_leader"]


def add_leader_roles(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    SecurityPolicy = apps.get_model("accounts", "SecurityPolicy")
    for policy in SecurityPolicy.objects.all():
        roles = list(policy.totp_required_roles or [])
        missing = [role for role in LEADER_ROLES if role not in roles]
        if missing:
            policy.totp_required_roles = roles + missing
            policy.save(update_fields=["totp_required_roles"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_passwordreset")]

    operations = [migrations.RunPython(add_leader_roles, migrations.RunPython.noop)]
