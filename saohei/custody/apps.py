from django.apps import AppConfig


class CustodyConfig(AppConfig):
    name = "saohei.custody"
    verbose_name = "举报人保护"

    def ready(self) -> None:
        from saohei.cases.models import CasePerson
        from saohei.common.sealing import SealedField, register_sealed_field
        from saohei.leads.models import Subject

        # The subjects' and case persons' identifiers, sealed by `common.pii.seal(kind, …)`.
        # They belong in the leads and cases AppConfigs; they are registered here, beside the
        # rotation that needs them, until those apps register their own.
        for model in (Subject, CasePerson):
            for kind in ("id_number", "phone"):
                register_sealed_field(
                    SealedField(
                        model=model,
                        key_field=f"{kind}_key",
                        ciphertext_field=f"{kind}_sealed",
                        associated_data=kind.encode(),
                    )
                )
