from django.apps import AppConfig


class AnalysisConfig(AppConfig):
    name = "saohei.analysis"
    verbose_name = "研判"

    def ready(self) -> None:
        from saohei.analysis.changes import note_people_changed
        from saohei.common.changes import listen_for_people_changes

        # The contexts below call `people_changed` in their services; the registry listens.
        listen_for_people_changes(note_people_changed)
