from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "saohei.organisations"
    verbose_name = "组织机构"
