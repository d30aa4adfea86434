from django.apps import AppConfig


class VaultConfig(AppConfig):
    name = "saohei.vault"
    verbose_name = "举报人信息保管库"
