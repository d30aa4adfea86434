from django.apps import AppConfig


class AnalysisConfig(AppConfig):
    name = "saohei.analysis"
    verbose_name = "研判"

    def ready(self) -> None:
        from saohei.analysis.changes import note_people_changed
        from saohei.analysis.models import VettingCandidate
        from saohei.analysis.prompts import refresh_prompts
        from saohei.analysis.registry import after_refresh
        from saohei.common.changes import listen_for_people_changes
        from saohei.common.sealing import register_sealed_field

        # The contexts below call `people_changed` in their services; the registry listens.
        listen_for_people_changes(note_people_changed)
        # Candidates' ID numbers are sealed by `SealedIdentity`; `rotate_data_key` re-encrypts them.
        for sealed_field in VettingCandidate.sealed_fields():
            register_sealed_field(sealed_field)
        # Every refresh (incremental and `analyse`) updates the 研判提示 of the touched clusters.
        after_refresh(refresh_prompts)
