from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "saohei.meetings"
    verbose_name = "会议与自查"
