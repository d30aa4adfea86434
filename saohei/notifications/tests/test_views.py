from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from saohei.notifications import services
from saohei.notifications.models import Notification, NotificationKind
from saohei.organisations.models import User

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]
UserGetter = Callable[[str], User]


def _send(recipient: User, *, url: str = "/workdays/", title: str = "线索即将到期") -> Notification:
    [notification] = services.notify(
        recipients=[recipient], title=title, url=url, kind=NotificationKind.OVERDUE
    )
    return notification


class TestAccess:
    def test_anonymous_visitors_are_sent_to_the_login_page(self, user: UserGetter) -> None:
        notification = _send(user("cun01"))
        client = Client()
        listed = client.get("/notifications/")
        opened = client.post(f"/notifications/{notification.pk}/open/")
        all_read = client.post("/notifications/read-all/")
        for response in (listed, opened, all_read):
            assert response.status_code == 302
            assert response["Location"].startswith("/accounts/login/?next=")
        assert Notification.objects.get().read_at is None

    def test_a_user_sees_only_their_own(self, client_as: ClientFor, user: UserGetter) -> None:
        _send(user("cun01"), title="给港西村的提醒")
        _send(user("cun02"), title="给另一个村的提醒")
        page = client_as("cun01").get("/notifications/").content.decode()
        assert "给港西村的提醒" in page
        assert "给另一个村的提醒" not in page

    def test_another_users_notification_is_not_found(
        self, client_as: ClientFor, user: UserGetter
    ) -> None:
        theirs = _send(user("cun02"))
        response = client_as("cun01").post(f"/notifications/{theirs.pk}/open/")
        assert response.status_code == 404
        assert Notification.objects.get().read_at is None

    @pytest.mark.parametrize("notification_id", ["987654", "99999999999999999999999"])
    def test_a_missing_notification_is_not_found(
        self, client_as: ClientFor, notification_id: str
    ) -> None:
        assert client_as("cun01").post(f"/notifications/{notification_id}/open/").status_code == 404

    def test_mark_all_read_leaves_other_users_alone(
        self, client_as: ClientFor, user: UserGetter
    ) -> None:
        _send(user("cun01"))
        theirs = _send(user("cun02"))
        client_as("cun01").post("/notifications/read-all/")
        assert Notification.objects.get(pk=theirs.pk).read_at is None

    @pytest.mark.parametrize(
        "username", ["shuji", "banshi", "minjing", "shiban", "xitong", "shenji"]
    )
    def test_every_role_has_an_inbox(self, client_as: ClientFor, username: str) -> None:
        response = client_as(username).get("/notifications/")
        assert response.status_code == 200
        assert "暂无通知" in response.content.decode()

    def test_the_actions_accept_only_post(self, client_as: ClientFor, user: UserGetter) -> None:
        notification = _send(user("cun01"))
        client = client_as("cun01")
        assert client.get(f"/notifications/{notification.pk}/open/").status_code == 405
        assert client.get("/notifications/read-all/").status_code == 405
        assert Notification.objects.get().read_at is None


class TestViews:
    def test_unread_come_first_and_are_highlighted(
        self, client_as: ClientFor, user: UserGetter
    ) -> None:
        read = _send(user("cun01"), title="已读的旧通知")
        services.mark_read(user=user("cun01"), notification=read)
        _send(user("cun01"), title="未读的新通知")
        page = client_as("cun01").get("/notifications/").content.decode()
        assert page.index("未读的新通知") < page.index("已读的旧通知")
        assert page.count("list-group-item-warning") == 1
        assert 'data-read="0"' in page and 'data-read="1"' in page

    def test_the_unread_filter(self, client_as: ClientFor, user: UserGetter) -> None:
        read = _send(user("cun01"), title="已读的旧通知")
        services.mark_read(user=user("cun01"), notification=read)
        _send(user("cun01"), title="未读的新通知")
        page = client_as("cun01").get("/notifications/?unread=1").content.decode()
        assert "未读的新通知" in page
        assert "已读的旧通知" not in page

    def test_opening_marks_read_and_follows_the_link(
        self, client_as: ClientFor, user: UserGetter
    ) -> None:
        notification = _send(user("cun01"), url="/workdays/?month=2027-02")
        response = client_as("cun01").post(f"/notifications/{notification.pk}/open/")
        assert response.status_code == 302
        assert response["Location"] == "/workdays/?month=2027-02"
        assert Notification.objects.get().read_at is not None

    def test_a_notification_without_link_returns_to_the_list(
        self, client_as: ClientFor, user: UserGetter
    ) -> None:
        notification = _send(user("cun01"), url="")
        response = client_as("cun01").post(f"/notifications/{notification.pk}/open/")
        assert response["Location"] == "/notifications/"
        assert Notification.objects.get().read_at is not None

    @pytest.mark.parametrize("url", ["https://evil.example/", "//evil.example", "/\\evil.example"])
    def test_a_stored_off_site_link_is_never_followed(
        self, client_as: ClientFor, user: UserGetter, url: str
    ) -> None:
        # Written around the service, as a bad import or an old row might be.
        notification = Notification.objects.create(
            recipient=user("cun01"), title="坏链接", url=url, kind=NotificationKind.INFO
        )
        client = client_as("cun01")
        response = client.post(f"/notifications/{notification.pk}/open/")
        assert response["Location"] == "/notifications/"
        assert "链接无效" in client.get("/notifications/").content.decode()

    def test_mark_all_read(self, client_as: ClientFor, user: UserGetter) -> None:
        for n in range(3):
            _send(user("cun01"), title=f"第{n}条")
        client = client_as("cun01")
        response = client.post("/notifications/read-all/", follow=True)
        assert "已将 3 条通知标为已读" in response.content.decode()
        assert not Notification.objects.filter(read_at__isnull=True).exists()
        again = client.post("/notifications/read-all/", follow=True)
        assert "没有未读通知" in again.content.decode()

    def test_bad_page_numbers_show_a_page(self, client_as: ClientFor, user: UserGetter) -> None:
        _send(user("cun01"))
        client = client_as("cun01")
        for page in ("abc", "-1", "0", "999", "1.5"):
            response = client.get("/notifications/", {"page": page, "unread": "yes"})
            assert response.status_code == 200
            assert "线索即将到期" in response.content.decode()

    def test_the_list_paginates_at_fifty(self, client_as: ClientFor, user: UserGetter) -> None:
        Notification.objects.bulk_create(
            Notification(recipient=user("cun01"), title=f"第{n}条", kind=NotificationKind.INFO)
            for n in range(55)
        )
        client = client_as("cun01")
        first = client.get("/notifications/").content.decode()
        second = client.get("/notifications/?page=2").content.decode()
        assert first.count('data-testid="notification"') == 50
        assert second.count('data-testid="notification"') == 5
        assert "第 1 / 2 页" in first

    def test_the_list_query_count_does_not_grow_with_notifications(
        self, client_as: ClientFor, user: UserGetter
    ) -> None:
        client = client_as("cun01")
        _send(user("cun01"))
        with CaptureQueriesContext(connection) as few:
            response = client.get("/notifications/")
        assert response.status_code == 200
        assert response.content.decode().count('data-testid="notification"') == 1
        Notification.objects.bulk_create(
            Notification(recipient=user("cun01"), title=f"第{n}条", kind=NotificationKind.INFO)
            for n in range(80)
        )
        with CaptureQueriesContext(connection) as many:
            response = client.get("/notifications/")
        assert response.status_code == 200
        assert response.content.decode().count('data-testid="notification"') == 50
        assert len(many) == len(few)
        assert len(many) <= 15


class TestBadge:
    def test_the_top_bar_shows_the_unread_count(
        self, client_as: ClientFor, user: UserGetter
    ) -> None:
        client = client_as("cun01")
        assert 'data-testid="notification-badge"' not in client.get("/").content.decode()
        for _ in range(2):
            _send(user("cun01"))
        _send(user("cun02"))
        page = client.get("/").content.decode()
        badge = page.split('data-testid="notification-badge">')[1].split("<")[0]
        assert badge == "2"
        client.post("/notifications/read-all/")
        assert 'data-testid="notification-badge"' not in client.get("/").content.decode()

    def test_the_menu_and_top_bar_link_to_the_inbox(self, client_as: ClientFor) -> None:
        page = client_as("shenji").get("/").content.decode()
        assert 'href="/notifications/"' in page
        assert 'data-testid="notification-link"' in page
