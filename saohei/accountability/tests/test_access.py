"""The access matrix for every page and the API: town office, participants, others, anonymous."""

import io
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from saohei.accountability.models import Talk
from saohei.accountability.tests.conftest import RecordTalk, move_grant
from saohei.api.services import create_api_token
from saohei.common.roles import Role
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
    "shiban": True,  # 上级督导 over the city: reads every talk of its towns
}
NO_PAGE = {"xitong", "baoguan"}


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
        assert refused.status_code == 403
        assert Talk.objects.count() == 1

    def test_needs_a_token(self, client: Client, talk: Talk) -> None:
        assert client.get(f"/api/v1/talks/{talk.pk}").status_code == 401


class TestSupervisor:
    """上级督导 read the talks, coverage and review queue of their towns, and write nothing."""

    def test_reads_the_list_coverage_and_review_queue_without_buttons(
        self, client_as: ClientAs, talk: Talk
    ) -> None:
        client = client_as("shiban")

        listed = client.get("/talks/").content.decode()
        coverage = client.get("/talks/coverage/")
        review = client.get("/talks/review/")
        detail = client.get(f"/talks/{talk.pk}/").content.decode()

        assert f"/talks/{talk.pk}/" in listed
        assert "/talks/new/" not in listed
        assert coverage.status_code == 200
        assert "21 个村居已谈 1 个" in coverage.content.decode()
        assert review.status_code == 200
        assert f"/talks/{talk.pk}/" in review.content.decode()
        assert "签署梳理意见" not in review.content.decode()
        assert f"/talks/{talk.pk}/edit/" not in detail

    def test_cannot_record_correct_or_review(self, client_as: ClientAs, talk: Talk) -> None:
        client = client_as("shiban")
        before = talk.content

        assert client.get("/talks/new/").status_code == 403
        assert client.get(f"/talks/{talk.pk}/edit/").status_code == 403
        assert client.post(f"/talks/{talk.pk}/edit/", {"content": "改"}).status_code == 403
        refused = client.post(
            "/talks/review/",
            {"covers_until": timezone.localdate().isoformat(), "opinion": "同意"},
        )

        assert refused.status_code == 403
        talk.refresh_from_db()
        assert talk.review is None
        assert talk.content == before

    def test_supervisor_of_another_town_sees_nothing_of_this_one(
        self, client_as: ClientAs, talk: Talk, town: Unit, other_town: Unit
    ) -> None:
        move_grant("shiban", Role.SUPERVISOR, other_town)
        client = client_as("shiban")

        assert client.get(f"/talks/{talk.pk}/").status_code == 404
        assert f"/talks/{talk.pk}/" not in client.get("/talks/").content.decode()
        assert client.get(f"/talks/coverage/?town={town.pk}").status_code == 404
        assert client.get(f"/talks/review/?town={town.pk}").status_code == 404
        own = client.get(f"/talks/coverage/?town={other_town.pk}")
        assert own.status_code == 200
        assert "柳林镇" in own.content.decode()
        assert "必填" not in own.content.decode()  # a bare ?town= keeps the default period


class TestEditPage:
    def payload(self, talk: Talk, **changes: object) -> dict[str, object]:
        values: dict[str, object] = {
            "talked_on": talk.talked_on.isoformat(),
            "place": talk.place,
            "interviewees": [person.pk for person in talk.interviewees.all()],
            "kind": talk.kind,
            "topics": talk.topics,
            "other_topics": talk.other_topics,
            "content": talk.content,
            "follow_up": talk.follow_up,
        }
        values.update(changes)
        return values

    def test_office_corrects_a_talk_and_the_detail_shows_who(
        self, client_as: ClientAs, talk: Talk
    ) -> None:
        client = client_as("banshi")
        assert client.get(f"/talks/{talk.pk}/edit/").status_code == 200

        response = client.post(
            f"/talks/{talk.pk}/edit/", self.payload(talk, place="东岛村村委会", kind="reminder")
        )

        assert response.status_code == 302
        talk.refresh_from_db()
        assert (talk.place, talk.kind) == ("东岛村村委会", "reminder")
        detail = client.get(f"/talks/{talk.pk}/").content.decode()
        assert "最后修改" in detail
        assert "李晓静" in detail

    def test_reviewed_talk_edited_shows_edited_after_review_and_is_queued_again(
        self, client_as: ClientAs, talk: Talk
    ) -> None:
        leader = client_as("shuji")
        leader.post(
            "/talks/review/",
            {"covers_until": timezone.localdate().isoformat(), "opinion": "记录规范"},
        )
        office = client_as("banshi")
        assert "审阅后修改" in office.get(f"/talks/{talk.pk}/edit/").content.decode()

        office.post(f"/talks/{talk.pk}/edit/", self.payload(talk, content="补充谈话要点"))

        detail = office.get(f"/talks/{talk.pk}/").content.decode()
        queue = leader.get("/talks/review/").content.decode()
        assert "审阅后修改" in detail
        assert "记录规范" in detail  # the review stays
        assert f"/talks/{talk.pk}/" in queue
        assert "审阅后修改" in office.get("/talks/?unreviewed=1").content.decode()

    def test_bad_input_rerenders_in_chinese_and_writes_nothing(
        self, client_as: ClientAs, talk: Talk
    ) -> None:
        future = (timezone.localdate() + timedelta(days=2)).isoformat()
        response = client_as("banshi").post(
            f"/talks/{talk.pk}/edit/", self.payload(talk, talked_on=future)
        )

        assert response.status_code == 400
        assert "谈话日期不能晚于今天" in response.content.decode()
        talk.refresh_from_db()
        assert talk.edited_at is None

    @pytest.mark.parametrize("username", ["cun02", "suozhang", "xitong"])
    def test_others_are_refused(self, client_as: ClientAs, talk: Talk, username: str) -> None:
        response = client_as(username).post(
            f"/talks/{talk.pk}/edit/", self.payload(talk, place="别处")
        )

        assert response.status_code == 403
        talk.refresh_from_db()
        assert talk.place == "镇党委会议室"

    def test_office_of_another_town_gets_404_and_anonymous_the_login(
        self, client_as: ClientAs, talk: Talk, other_town: Unit
    ) -> None:
        move_grant("banshi", Role.OFFICE_STAFF, other_town)

        assert client_as("banshi").get(f"/talks/{talk.pk}/edit/").status_code == 404
        response = Client().get(f"/talks/{talk.pk}/edit/")
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_village_head_is_not_shown_a_lead_from_the_talk_it_may_not_open(
    client_as: ClientAs, record_talk: RecordTalk
) -> None:
    """A lead registered from the talk is the office's until assigned: the head talked with
    sees the talk, and that it turned up something, never the lead's number or summary."""
    talk = record_talk(leads=["反映东岛村村委委员插手工程"])
    lead = talk.leads.get()

    page = client_as("cun02").get(f"/talks/{talk.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert lead.number not in html
    assert "插手工程" not in html
    assert "另有 1 条受限记录" in html

    api = Client().get(
        f"/api/v1/talks/{talk.pk}", headers={"Authorization": f"Bearer {_token('cun02')}"}
    )
    assert api.status_code == 200
    assert api.json()["lead_ids"] == []

    office = client_as("banshi").get(f"/talks/{talk.pk}/").content.decode()
    assert lead.number in office and "受限记录" not in office


def test_talk_ledger_export_names_only_leads_the_exporter_may_open(
    client_as: ClientAs, record_talk: RecordTalk
) -> None:
    talk = record_talk(leads=["反映东岛村村委委员插手工程"])
    lead = talk.leads.get()

    def cells(username: str) -> str:
        response = client_as(username).get("/reports/talks.xlsx")
        assert response.status_code == 200
        workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[attr-defined]
        return " ".join(
            str(cell) for row in workbook.active.iter_rows(values_only=True) for cell in row
        )

    assert lead.number in cells("banshi")
    assert lead.number not in cells("cun02")
    assert lead.number not in cells("shiban")


def _token(username: str) -> str:
    return create_api_token(user=User.objects.get(username=username), name="测试")[1]
