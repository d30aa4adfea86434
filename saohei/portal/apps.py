from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "saohei.portal"
    verbose_name = "群众举报网站"
