"""Reward texts written before decision 0011 passed a weaker check (a separator or a
full-width digit got an identity through). Re-check them with today's rule and withhold any
that carry the reporter's identity; the rest are kept as written."""

from django.db import migrations

# Shown instead of a withheld text; the custodian can still reveal the identity if needed.
WITHHELD = "（原文含举报人身份信息，已隐去）"


def withhold_identity_in_reward_texts(apps, schema_editor):
    # Today's check and the vault's one decryption, on purpose: old rows meet the new rule.
    from saohei.vault.queries import open_reporter_identity
    from saohei.vault.screening import carries_identity

    reward_case = apps.get_model("custody", "RewardCase")
    for reward in reward_case.objects.select_related("lead").iterator():
        details = open_reporter_identity(reward.lead.reporter_reference)
        if details is None:
            continue
        withheld = [
            field
            for field in ("eligibility_reason", "payment_reference")
            if carries_identity(getattr(reward, field), details)
        ]
        for field in withheld:
            setattr(reward, field, WITHHELD)
        if withheld:
            reward.save(update_fields=withheld)


class Migration(migrations.Migration):
    dependencies = [
        ("custody", "0001_initial"),
        ("vault", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(withhold_identity_in_reward_texts, migrations.RunPython.noop),
    ]
