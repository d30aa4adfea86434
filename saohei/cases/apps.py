from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "saohei.cases"
    verbose_name = "治安案件倒查"

    def ready(self) -> None:
        from saohei.cases.models import CasePerson
        from saohei.common.sealing import SealedField, register_sealed_field

        # Sealed by `common.pii.seal(kind, …)`; `rotate_data_key` re-encrypts what is registered.
        for kind in ("id_number", "phone"):
            register_sealed_field(
                SealedField(
                    model=CasePerson,
                    key_field=f"{kind}_key",
                    ciphertext_field=f"{kind}_sealed",
                    associated_data=kind.encode(),
                )
            )
