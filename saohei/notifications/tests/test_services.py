from collections.abc import Callable

import pytest

from saohei.audit.models import AuditEvent
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.notifications import queries, services
from saohei.notifications.models import Notification, NotificationKind
from saohei.organisations.models import User

pytestmark = pytest.mark.django_db
UserGetter = Callable[[str], User]


def _send(
    recipient: User, title: str = "线索 GX-2026-001 将于3个工作日后到期", **extra: str
) -> Notification:
    [notification] = services.notify(
        recipients=[recipient], title=title, kind=NotificationKind.REMINDER, **extra
    )
    return notification


class TestNotify:
    def test_a_notice_on_a_topic_replaces_only_the_unread_one_of_that_person_and_topic(
        self, user: UserGetter
    ) -> None:
        owner, other = user("cun05"), user("cun01")
        first = _send(owner, "会议决定事项由您负责", topic="meeting-decision:1")
        read = _send(owner, "更早的决定事项", topic="meeting-decision:1")
        services.mark_read(user=owner, notification=read)
        elsewhere = _send(owner, "另一决定事项", topic="meeting-decision:2")
        plain = _send(owner, "无事项的通知")
        someone_else = _send(other, "会议决定事项由您负责", topic="meeting-decision:1")
        latest = _send(owner, "新的整改事项已列入台账", topic="meeting-decision:1")
        kept = set(Notification.objects.values_list("pk", flat=True))
        assert first.pk not in kept
        assert {read.pk, elsewhere.pk, plain.pk, someone_else.pk, latest.pk} <= kept

    def test_a_topic_too_long_is_refused(self, user: UserGetter) -> None:
        with pytest.raises(ServiceError, match="事项标识"):
            _send(user("cun05"), topic="x" * 101)
        assert not Notification.objects.exists()

    def test_one_notification_per_distinct_recipient(self, user: UserGetter) -> None:
        audit_before = AuditEvent.objects.count()
        sent = services.notify(
            recipients=[user("cun01"), user("banshi"), user("cun01")],
            title="请于周五前提交排查表",
            body="港西村、港东村",
            url="/org/group/",
            kind=NotificationKind.INSTRUCTION,
        )
        assert sorted(n.recipient.username for n in sent) == ["banshi", "cun01"]
        stored = Notification.objects.get(recipient=user("cun01"))
        assert (stored.title, stored.body, stored.url, stored.kind, stored.read_at) == (
            "请于周五前提交排查表",
            "港西村、港东村",
            "/org/group/",
            NotificationKind.INSTRUCTION,
            None,
        )
        assert stored.created_at is not None
        # Notifications are derived from audited actions and never audited themselves.
        assert AuditEvent.objects.count() == audit_before

    def test_no_recipients_sends_nothing(self, db: None) -> None:
        assert services.notify(recipients=[], title="无人", kind=NotificationKind.INFO) == []
        assert not Notification.objects.exists()

    @pytest.mark.parametrize(
        "url",
        [
            "https://evil.example/",
            "http:/evil.example",
            "//evil.example/path",
            "/\\evil.example",
            "javascript:alert(1)",
            "evil.example",
            "/leads/1/\nLocation: https://evil.example",
            "/leads/ 1/",
            "/" + "a" * 300,
        ],
    )
    def test_only_paths_on_this_site_are_accepted(self, user: UserGetter, url: str) -> None:
        with pytest.raises(ServiceError, match="本系统内") as refused:
            _send(user("cun01"), url=url)
        assert refused.value.field == "url"
        assert not Notification.objects.exists()

    @pytest.mark.parametrize(("title", "message"), [("  ", "不能为空"), ("长" * 101, "不能超过")])
    def test_a_title_is_required_and_short(
        self, user: UserGetter, title: str, message: str
    ) -> None:
        with pytest.raises(ServiceError, match=message):
            _send(user("cun01"), title=title)
        assert not Notification.objects.exists()

    def test_an_unknown_kind_is_refused(self, user: UserGetter) -> None:
        with pytest.raises(ServiceError, match="类型"):
            services.notify(recipients=[user("cun01")], title="x", kind="gossip")  # type: ignore[arg-type]
        assert not Notification.objects.exists()


class TestMarkRead:
    def test_the_recipient_marks_it_read_once(self, user: UserGetter) -> None:
        notification = _send(user("cun01"))
        services.mark_read(user=user("cun01"), notification=notification)
        first_read_at = Notification.objects.get().read_at
        assert first_read_at is not None
        services.mark_read(
            user=user("cun01"), notification=Notification.objects.get(pk=notification.pk)
        )
        assert Notification.objects.get().read_at == first_read_at

    def test_a_stale_copy_does_not_move_the_read_time(self, user: UserGetter) -> None:
        notification = _send(user("cun01"))
        stale = Notification.objects.get(pk=notification.pk)
        services.mark_read(user=user("cun01"), notification=notification)
        services.mark_read(user=user("cun01"), notification=stale)
        assert stale.read_at == Notification.objects.get().read_at

    def test_nobody_else_can_mark_it(self, user: UserGetter) -> None:
        notification = _send(user("cun01"))
        with pytest.raises(ActionNotAllowed):
            services.mark_read(user=user("cun02"), notification=notification)
        assert Notification.objects.get().read_at is None

    def test_mark_all_read_touches_only_the_users_own_unread(self, user: UserGetter) -> None:
        mine = [_send(user("cun01"), title=f"第{n}条") for n in range(3)]
        services.mark_read(user=user("cun01"), notification=mine[0])
        already_read_at = Notification.objects.get(pk=mine[0].pk).read_at
        theirs = _send(user("cun02"))
        assert services.mark_all_read(user=user("cun01")) == 2
        assert queries.count_unread(user("cun01")) == 0
        assert Notification.objects.get(pk=mine[0].pk).read_at == already_read_at
        assert Notification.objects.get(pk=theirs.pk).read_at is None
        assert services.mark_all_read(user=user("cun01")) == 0


class TestQueries:
    def test_count_unread_is_per_user(self, user: UserGetter) -> None:
        for _ in range(3):
            _send(user("cun01"))
        _send(user("cun02"))
        assert queries.count_unread(user("cun01")) == 3
        assert queries.count_unread(user("cun02")) == 1
        assert queries.count_unread(user("banshi")) == 0

    def test_unread_come_first_then_newest(self, user: UserGetter) -> None:
        oldest, middle, newest = (_send(user("cun01"), title=t) for t in ("旧", "中", "新"))
        services.mark_read(user=user("cun01"), notification=newest)
        titles = [n.title for n in queries.list_for_user(user("cun01"))]
        assert titles == ["中", "旧", "新"]
        unread = [n.title for n in queries.list_for_user(user("cun01"), unread_only=True)]
        assert unread == ["中", "旧"]
        assert oldest.pk < middle.pk

    def test_fifty_a_page(self, user: UserGetter) -> None:
        Notification.objects.bulk_create(
            Notification(recipient=user("cun01"), title=f"第{n}条", kind=NotificationKind.INFO)
            for n in range(60)
        )
        first = queries.list_for_user(user("cun01"))
        second = queries.list_for_user(user("cun01"), page="2")
        assert (len(first), len(second), first.paginator.num_pages) == (50, 10, 2)
        assert {n.pk for n in first}.isdisjoint(n.pk for n in second)
        assert len(queries.list_for_user(user("cun01"), page="nonsense")) == 50
