from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "saohei.leads"
    verbose_name = "线索摸排"

    def ready(self) -> None:
        from saohei.common.sealing import register_sealed_field
        from saohei.leads.models import Subject

        # Sealed by `SealedIdentity`; `rotate_data_key` re-encrypts what is registered.
        for sealed_field in Subject.sealed_fields():
            register_sealed_field(sealed_field)
