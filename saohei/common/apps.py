from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "saohei.common"
    verbose_name = "公共"

    def ready(self) -> None:
        # Database plumbing, not domain behaviour: reading dates Python cannot hold.
        from saohei.common import postgres

        postgres.connect()
