"""A user reaches only the notifications addressed to them; anything else is not found."""

from django.http import Http404

from saohei.notifications.models import Notification
from saohei.organisations.models import User


def get_notification_for_user(user: User, notification_id: int) -> Notification:
    notification = Notification.objects.for_recipient(user).filter(pk=notification_id).first()
    if notification is None:
        raise Http404("通知不存在")
    return notification
