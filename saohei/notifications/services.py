"""Every change to notifications: sending them and marking them read.

Notifications write no audit event: they only point at records whose own changes are audited,
and their text never contains reporter identity.
"""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.notifications.links import is_internal_path
from saohei.notifications.models import Notification, NotificationKind
from saohei.organisations.models import User

TITLE_MAX_LENGTH = 100
URL_MAX_LENGTH = 300
TOPIC_MAX_LENGTH = 100


@transaction.atomic
def notify(
    *,
    recipients: Iterable[User],
    title: str,
    body: str = "",
    url: str = "",
    kind: NotificationKind,
    topic: str = "",
) -> list[Notification]:
    """One notification per distinct recipient; call it inside the action's own transaction.

    With a `topic` (the piece of work, e.g. "meeting-decision:12"), it replaces each
    recipient's unread notices of that topic: one piece of work, one notice per person, and
    the one kept is the latest word (a decision put on the ledger names its 整改事项). Read
    notices stay as they were."""
    title = title.strip()
    if not title:
        raise ServiceError("通知标题不能为空", field="title")
    if len(title) > TITLE_MAX_LENGTH:
        raise ServiceError(f"通知标题不能超过{TITLE_MAX_LENGTH}个字", field="title")
    if url and (len(url) > URL_MAX_LENGTH or not is_internal_path(url)):
        raise ServiceError("通知链接只能是本系统内以“/”开头的地址", field="url")
    if kind not in NotificationKind.values:
        raise ServiceError("通知类型不正确", field="kind")
    if len(topic) > TOPIC_MAX_LENGTH:
        raise ServiceError(f"通知事项标识不能超过{TOPIC_MAX_LENGTH}个字符", field="topic")
    unique_recipients = {user.pk: user for user in recipients if user.pk is not None}
    if topic:
        Notification.objects.unread().filter(
            recipient_id__in=list(unique_recipients), topic=topic
        ).delete()
    return Notification.objects.bulk_create(
        Notification(recipient=user, title=title, body=body, url=url, kind=kind, topic=topic)
        for user in unique_recipients.values()
    )


@transaction.atomic
def mark_read(*, user: User, notification: Notification) -> Notification:
    """Only the recipient marks a notification read; marking twice keeps the first time."""
    if notification.recipient_id != user.pk:
        raise ActionNotAllowed("只能处理发给自己的通知")
    if notification.read_at is None:
        now = timezone.now()
        updated = Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=now
        )
        if updated:
            notification.read_at = now
        else:
            notification.refresh_from_db(fields=["read_at"])
    return notification


@transaction.atomic
def mark_all_read(*, user: User) -> int:
    """Mark every unread notification of `user` read; returns how many changed."""
    return Notification.objects.for_recipient(user).unread().update(read_at=timezone.now())
