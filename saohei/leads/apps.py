from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "saohei.leads"
    verbose_name = "线索摸排"

    def ready(self) -> None:
        from saohei.common.sealing import SealedField, register_sealed_field
        from saohei.leads.models import Subject

        # Sealed by `common.pii.seal(kind, …)`; `rotate_data_key` re-encrypts what is registered.
        for kind in ("id_number", "phone"):
            register_sealed_field(
                SealedField(
                    model=Subject,
                    key_field=f"{kind}_key",
                    ciphertext_field=f"{kind}_sealed",
                    associated_data=kind.encode(),
                )
            )
