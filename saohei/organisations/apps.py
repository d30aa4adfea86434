from django.apps import AppConfig
from django.core import checks


class OrganisationsConfig(AppConfig):
    name = "saohei.organisations"
    verbose_name = "组织机构"

    def ready(self) -> None:
        from saohei.organisations.checks import check_dedicated_role_conflicts

        checks.register(check_dedicated_role_conflicts, checks.Tags.security)
