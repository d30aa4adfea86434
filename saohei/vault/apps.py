from django.apps import AppConfig


class VaultConfig(AppConfig):
    name = "saohei.vault"
    verbose_name = "举报人信息保管库"

    def ready(self) -> None:
        from saohei.common.sealing import SealedField, register_sealed_field
        from saohei.vault.models import ReporterIdentity
        from saohei.vault.services import IDENTITY_ASSOCIATED_DATA

        register_sealed_field(
            SealedField(
                model=ReporterIdentity,
                key_field="key_id",
                ciphertext_field="sealed_identity",
                associated_data=IDENTITY_ASSOCIATED_DATA,
            )
        )
