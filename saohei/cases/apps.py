from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "saohei.cases"
    verbose_name = "治安案件倒查"

    def ready(self) -> None:
        from saohei.cases.models import CasePerson
        from saohei.common.sealing import register_sealed_field

        # Sealed by `SealedIdentity`; `rotate_data_key` re-encrypts what is registered.
        for sealed_field in CasePerson.sealed_fields():
            register_sealed_field(sealed_field)
