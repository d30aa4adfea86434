"""Every change to notifications: sending them, delivering them by SMS and e-mail, marking
them read, and each user's choice of channels.

Notifications write no audit event: they only point at records whose own changes are audited,
and their text never contains reporter identity. A user's change of channels is audited.
"""

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from saohei.audit.models import AuditAction
from saohei.audit.services import record_event
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.notifications import channels, queries
from saohei.notifications.links import is_internal_path
from saohei.notifications.models import (
    OPEN_DELIVERY_STATUSES,
    Channel,
    Delivery,
    DeliveryStatus,
    Notification,
    NotificationKind,
    NotificationPreference,
)
from saohei.organisations.models import User

logger = logging.getLogger("saohei.notifications")

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
    notifications = Notification.objects.bulk_create(
        Notification(recipient=user, title=title, body=body, url=url, kind=kind, topic=topic)
        for user in unique_recipients.values()
    )
    _plan_deliveries(notifications, kind=kind)
    return notifications


def _plan_deliveries(notifications: list[Notification], *, kind: str) -> None:
    """One Delivery per notice and external channel, written with the notice; the sends are
    tasks enqueued after commit, so a notice rolled back never goes out and a send that fails
    never touches the notice."""
    if not channels.configured_channels():
        return
    recipients = [notification.recipient for notification in notifications]
    chosen = queries.channels_for([user for user in recipients if user.is_active], kind=kind)
    deliveries = [
        Delivery(
            notification=notification, recipient=notification.recipient, channel=channel, kind=kind
        )
        for notification in notifications
        for channel in sorted(chosen.get(notification.recipient_id, ()))
        if channels.address_for(notification.recipient, channel)
    ]
    if not deliveries:
        return
    created = Delivery.objects.bulk_create(deliveries)
    # robust: the action that sent the notice has committed; a queue hiccup must not fail it.
    transaction.on_commit(partial(_enqueue, [delivery.pk for delivery in created]), robust=True)


def _enqueue(delivery_ids: list[int], run_after: datetime | None = None) -> None:
    # The task module imports this one; imported here so that the two can refer to each other.
    from saohei.notifications.tasks import send_delivery

    task = send_delivery
    # A backend that cannot defer (the immediate backend of tests and small setups) tries again
    # at once; the attempts stay bounded either way.
    if run_after is not None and task.get_backend().supports_defer:
        task = task.using(run_after=run_after)
    for delivery_id in delivery_ids:
        task.enqueue(delivery_id=delivery_id)


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4 … times the configured base after the 1st, 2nd, 3rd … failed attempt."""
    return timedelta(seconds=settings.SAOHEI_NOTICE_RETRY_SECONDS * 2 ** max(attempts - 1, 0))


def deliver(*, delivery_id: int) -> Delivery | None:
    """One attempt at one SMS or e-mail; a failure is retried with backoff until the attempts
    run out, then marked failed. The in-app notice is never touched.

    Three short transactions rather than one: claim, send, record. The send is network I/O
    that may take the whole timeout, and no row lock or transaction is held across it."""
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update()
            .select_related("recipient")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status not in OPEN_DELIVERY_STATUSES:
            # Sent, failed, cancelled, or being sent by another worker: never twice.
            return delivery
        delivery.status = DeliveryStatus.SENDING
        delivery.attempts += 1
        delivery.next_attempt_at = None
        delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
    recipient = delivery.recipient
    # The address is read now, not when the notice was sent: a changed number takes effect.
    address = channels.address_for(recipient, delivery.channel) if recipient.is_active else ""
    if not address:
        return _finish(delivery, status=DeliveryStatus.CANCELLED, error="no_address")
    masked = channels.mask_address(delivery.channel, address)
    try:
        channels.send(channel=delivery.channel, address=address, kind=delivery.kind)
    except channels.SendFailed as failure:
        return _record_failure(delivery, code=failure.code, masked=masked)
    logger.info(
        "notice sent: delivery=%s channel=%s kind=%s to=%s attempt=%s",
        delivery.pk,
        delivery.channel,
        delivery.kind,
        masked,
        delivery.attempts,
    )
    return _finish(delivery, status=DeliveryStatus.SENT, error="")


# A send not started this long after it was due has lost its task.
STALLED_AFTER = timedelta(minutes=15)
STALLED_BATCH = 1000


def requeue_stalled_deliveries(*, now: datetime | None = None) -> int:
    """Hourly: a send whose task was lost (the queue write failed after commit, a worker's queue
    was wiped) is queued again. Nothing is sent twice: `deliver` claims before sending."""
    now = now or timezone.now()
    stalled = Delivery.objects.filter(
        Q(status=DeliveryStatus.PENDING, created_at__lt=now - STALLED_AFTER)
        | Q(status=DeliveryStatus.RETRYING, next_attempt_at__lt=now - STALLED_AFTER)
    ).order_by("pk")
    delivery_ids = list(stalled.values_list("pk", flat=True)[:STALLED_BATCH])
    if delivery_ids:
        transaction.on_commit(partial(_enqueue, delivery_ids), robust=True)
    return len(delivery_ids)


def _record_failure(delivery: Delivery, *, code: str, masked: str) -> Delivery:
    final = delivery.attempts >= settings.SAOHEI_NOTICE_MAX_ATTEMPTS
    logger.warning(
        "notice not sent: delivery=%s channel=%s kind=%s to=%s attempt=%s error=%s%s",
        delivery.pk,
        delivery.channel,
        delivery.kind,
        masked,
        delivery.attempts,
        code,
        " (giving up)" if final else "",
    )
    if final:
        return _finish(delivery, status=DeliveryStatus.FAILED, error=code)
    with transaction.atomic():
        delivery.status = DeliveryStatus.RETRYING
        delivery.last_error = code
        delivery.next_attempt_at = timezone.now() + retry_delay(delivery.attempts)
        delivery.save(update_fields=["status", "last_error", "next_attempt_at"])
        transaction.on_commit(
            partial(_enqueue, [delivery.pk], run_after=delivery.next_attempt_at), robust=True
        )
    return delivery


def _finish(delivery: Delivery, *, status: DeliveryStatus, error: str) -> Delivery:
    delivery.status = status
    if error:
        delivery.last_error = error
    if status == DeliveryStatus.SENT:
        delivery.sent_at = timezone.now()
    delivery.save(update_fields=["status", "last_error", "sent_at"])
    return delivery


@transaction.atomic
def set_preferences(
    *, user: User, enabled: Mapping[str, Iterable[str]], ip_address: str | None = None
) -> bool:
    """Store the user's channels per kind (`enabled`: kind → channels wanted; the inbox is
    always on); audited when anything changed. Returns whether it did."""
    wanted: dict[str, set[str]] = {kind: set() for kind in NotificationKind.values}
    for kind, kind_channels in enabled.items():
        if kind not in wanted:
            raise ServiceError("通知类型不正确", field="kind")
        for channel in kind_channels:
            if channel not in Channel.values:
                raise ServiceError("通知渠道不正确", field="channel")
            wanted[kind].add(channel)
    before = queries.effective_preferences(user=user)
    after = {kind: frozenset(wanted[kind]) for kind in NotificationKind.values}
    if before == after:
        return False
    existing = {
        (preference.kind, preference.channel): preference
        for preference in NotificationPreference.objects.select_for_update().filter(user=user)
    }
    for kind in NotificationKind.values:
        for channel in Channel.values:
            value = channel in wanted[kind]
            preference = existing.get((kind, channel))
            if preference is None:
                NotificationPreference.objects.create(
                    user=user, kind=kind, channel=channel, enabled=value
                )
            elif preference.enabled != value:
                preference.enabled = value
                preference.save(update_fields=["enabled", "updated_at"])
    record_event(
        action=AuditAction.NOTIFICATION_PREFERENCES_CHANGED,
        actor=user,
        unit=user.unit,
        target=user,
        ip_address=ip_address,
        details={
            channel: sorted(kind for kind in NotificationKind.values if channel in wanted[kind])
            for channel in Channel.values
        },
    )
    return True


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
