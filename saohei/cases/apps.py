from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "saohei.cases"
    verbose_name = "治安案件倒查"

    def ready(self) -> None:
        from saohei.cases.access import case_towns
        from saohei.cases.kinds import CASE_SHEET, TABLE_KINDS
        from saohei.cases.models import REJECTED_ROWS_DATA, CasePerson, ImportJob
        from saohei.common.sealing import SealedField, register_sealed_field
        from saohei.sheets.registry import register_kind

        # A sender's saved mappings are corrected by whoever may import the town's cases.
        register_kind(CASE_SHEET, import_towns=case_towns, has_columns=False)
        for kind in TABLE_KINDS.values():
            register_kind(kind, import_towns=case_towns)

        # Sealed by `SealedIdentity`; `rotate_data_key` re-encrypts what is registered.
        for sealed_field in CasePerson.sealed_fields():
            register_sealed_field(sealed_field)
        register_sealed_field(
            SealedField(
                model=ImportJob,
                key_field="rejected_rows_key",
                ciphertext_field="rejected_rows_sealed",
                associated_data=REJECTED_ROWS_DATA,
            )
        )
