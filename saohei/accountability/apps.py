from django.apps import AppConfig


class AccountabilityConfig(AppConfig):
    name = "saohei.accountability"
    verbose_name = "压实责任·谈心谈话"
