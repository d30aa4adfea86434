"""The access matrix for every page and the API: town office, participants, others, anonymous."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from saohei.accountability.models import Talk
from saohei.accountability.tests.conftest import RecordTalk
from saohei.api.services import create_api_token
from saohei.organisations.models import Unit, User

pytestmark = pytest.mark.django_db
ClientAs = Callable[[str], Client]

# username → sees the secretary's talk with cun02 (recorded by banshi)
SEES = {
    "banshi": True,
    "shuji": True,
    "fushuji": True,
    "jiaodaoyuan": True,  # 副组长 of the town as well as police
    "cun02": True,
    "cun04": False,
    "suozhang": False,
    "shiban": False,
}
NO_PAGE = {"shiban", "xitong", "baoguan"}


@pytest.fixture
def talk(record_talk: RecordTalk) -> Talk:
    return record_talk()


@pytest.mark.parametrize("username", sorted(SEES))
def test_detail_page_follows_scope(client_as: ClientAs, talk: Talk, username: str) -> None:
    response = client_as(username).get(f"/talks/{talk.pk}/")
    if username in NO_PAGE:
        assert response.status_code == 403
    else:
        assert response.status_code == (200 if SEES[username] else 404)


@pytest.mark.parametrize("username", sorted(set(SEES) - NO_PAGE))
def test_list_shows_only_talks_in_scope(client_as: ClientAs, talk: Talk, username: str) -> None:
    response = client_as(username).get("/talks/")

    assert response.status_code == 200
    assert (f"/talks/{talk.pk}/" in response.content.decode()) == SEES[username]


def test_police_leader_sees_the_talk_they_took_part_in(
    client_as: ClientAs, record_talk: RecordTalk
) -> None:
    talk = record_talk(interviewees=[User.objects.get(username="suozhang")])

    assert client_as("suozhang").get(f"/talks/{talk.pk}/").status_code == 200
    assert client_as("minjing").get(f"/talks/{talk.pk}/").status_code == 404


def test_three_admins_and_anonymous_get_nothing(client_as: ClientAs, talk: Talk) -> None:
    admin = client_as("xitong")
    for path in ("/talks/", f"/talks/{talk.pk}/", "/talks/coverage/", "/talks/review/"):
        assert admin.get(path).status_code == 403
        response = Client().get(path)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_village_head_cannot_open_coverage_create_or_review(client_as: ClientAs) -> None:
    client = client_as("cun02")
    for path in ("/talks/new/", "/talks/coverage/", "/talks/review/"):
        assert client.get(path).status_code == 403


def test_office_staff_cannot_review_but_leader_can(client_as: ClientAs, talk: Talk) -> None:
    assert client_as("banshi").get("/talks/review/").status_code == 403
    response = client_as("shuji").post(
        "/talks/review/",
        {"covers_until": timezone.localdate().isoformat(), "opinion": "记录规范"},
    )
    assert response.status_code == 302
    talk.refresh_from_db()
    assert talk.review is not None


def test_office_records_a_talk_through_the_form(client_as: ClientAs) -> None:
    shuji = User.objects.get(username="shuji")
    response = client_as("banshi").post(
        "/talks/new/",
        {
            "talked_on": (timezone.localdate() - timedelta(days=1)).isoformat(),
            "place": "村委会",
            "interviewer": shuji.pk,
            "interviewees": [User.objects.get(username="cun03").pk],
            "kind": "routine",
            "topics": ["foundation", "publicity"],
            "content": "谈话内容",
            "problems": "档案不全\n宣传不足",
            "measures": "限期整改",
            "problem_village": Unit.objects.get(name="西岛村").pk,
            "responsible_person": User.objects.get(username="cun03").pk,
        },
    )

    assert response.status_code == 302
    talk = Talk.objects.get()
    assert talk.rectification_items.count() == 2


def test_form_errors_rerender_beside_the_fields(client_as: ClientAs) -> None:
    response = client_as("banshi").post("/talks/new/", {"place": "村委会", "problems": "问题"})

    assert response.status_code == 200
    assert "填写了发现问题，请填写整改措施" in response.content.decode()
    assert Talk.objects.count() == 0


class TestApi:
    def headers(self, username: str) -> dict[str, str]:
        _, token = create_api_token(user=User.objects.get(username=username), name="测试")
        return {"Authorization": f"Bearer {token}"}

    @pytest.mark.parametrize("username", ["banshi", "cun02", "cun04", "minjing"])
    def test_detail_and_list_follow_scope(self, client: Client, talk: Talk, username: str) -> None:
        headers = self.headers(username)
        expected = SEES.get(username, False)

        detail = client.get(f"/api/v1/talks/{talk.pk}", headers=headers)
        listed = client.get("/api/v1/talks", headers=headers)

        assert detail.status_code == (200 if expected else 404)
        assert ([row["id"] for row in listed.json()] == [talk.pk]) == expected

    def test_office_creates_and_village_head_is_refused(self, client: Client, town: Unit) -> None:
        payload = {
            "unit_id": town.pk,
            "talked_on": timezone.localdate().isoformat(),
            "place": "镇党委会议室",
            "interviewer_id": User.objects.get(username="shuji").pk,
            "interviewee_ids": [User.objects.get(username="cun02").pk],
            "kind": "routine",
            "topics": ["foundation"],
            "content": "谈话内容",
        }
        created = client.post(
            "/api/v1/talks",
            payload,
            content_type="application/json",
            headers=self.headers("banshi"),
        )
        refused = client.post(
            "/api/v1/talks",
            payload,
            content_type="application/json",
            headers=self.headers("cun02"),
        )

        assert created.status_code == 201
        assert created.json()["topics"] == ["夯实基础"]
        assert refused.status_code == 400
        assert Talk.objects.count() == 1

    def test_needs_a_token(self, client: Client, talk: Talk) -> None:
        assert client.get(f"/api/v1/talks/{talk.pk}").status_code == 401
