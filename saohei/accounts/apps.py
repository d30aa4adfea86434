from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "saohei.accounts"
    verbose_name = "账号安全"
