from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "saohei.notifications"
    verbose_name = "通知中心"
