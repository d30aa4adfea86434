"""The access matrix: every page, export, download and API endpoint, for every kind of user."""

from collections.abc import Callable, Mapping

import pytest
from django.test import Client

from saohei.api.services import create_api_token
from saohei.cases.access import case_towns, visible_cases
from saohei.cases.models import Case, CaseReview, ImportJob
from saohei.organisations.models import User

pytestmark = pytest.mark.django_db
ClientAs = Callable[[str], Client]
UserGetter = Callable[[str], User]

CAN_SEE = ["banshi", "shuji", "fushuji", "jiaodaoyuan", "suozhang", "minjing"]
CANNOT_SEE = ["cun01", "cun02", "shiban", "xitong", "anquan", "shenji", "baoguan"]
PAGES = ["/cases/", "/cases/imports/", "/cases/imports/template.xlsx", "/cases/export.xlsx"]
REVIEW = {
    "conclusion": "excluded",
    "reviewed_on": "2020-03-01",
    "notes": "经核查系个人酒后滋事，排除涉黑涉恶可能",
}


def _api(method: str, path: str, token: str | None, body: Mapping[str, object] | None = None):  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    client = Client()
    if method == "post":
        return client.post(path, dict(body or {}), content_type="application/json", headers=headers)
    return client.get(path, headers=headers)


def _token(user: User) -> str:
    return create_api_token(user=user, name="测试")[1]


def test_scope_by_role(imported: list[Case], user: UserGetter) -> None:
    for username in CAN_SEE:
        assert visible_cases(user(username)).count() == 2, username
    for username in CANNOT_SEE:
        assert not visible_cases(user(username)).exists(), username
    assert [town.name for town in case_towns(user("minjing"))] == ["港西镇"]


@pytest.mark.parametrize("username", CAN_SEE)
@pytest.mark.parametrize("path", PAGES)
def test_pages_open_for_office_and_police(
    client_as: ClientAs, imported: list[Case], username: str, path: str
) -> None:
    assert client_as(username).get(path).status_code == 200


@pytest.mark.parametrize("username", CANNOT_SEE)
@pytest.mark.parametrize("path", PAGES)
def test_pages_are_forbidden_to_everyone_else(
    client_as: ClientAs, imported: list[Case], username: str, path: str
) -> None:
    assert client_as(username).get(path).status_code == 403


@pytest.mark.parametrize("path", [*PAGES, "/cases/1/", "/cases/imports/1/"])
def test_anonymous_visitors_are_sent_to_login(demo: None, path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("username", "status"), [(u, 200) for u in CAN_SEE] + [(u, 404) for u in CANNOT_SEE]
)
def test_case_detail_by_role(
    client_as: ClientAs, imported: list[Case], username: str, status: int
) -> None:
    assert client_as(username).get(f"/cases/{imported[0].pk}/").status_code == status


@pytest.mark.parametrize(
    ("username", "status"), [("banshi", 200), ("minjing", 200), ("cun02", 404), ("shiban", 404)]
)
def test_import_job_page_by_role(
    client_as: ClientAs, imported: list[Case], username: str, status: int
) -> None:
    job = ImportJob.objects.get()
    assert client_as(username).get(f"/cases/imports/{job.pk}/").status_code == status


def test_another_towns_case_and_job_are_404(
    client_as: ClientAs, imported: list[Case], other_towns_case: Case
) -> None:
    client = client_as("banshi")
    assert client.get(f"/cases/{other_towns_case.pk}/").status_code == 404
    assert client.get(f"/cases/{other_towns_case.pk + 1000}/").status_code == 404
    job = ImportJob.objects.get(unit=other_towns_case.unit)
    assert client.get(f"/cases/imports/{job.pk}/").status_code == 404
    assert client.post(f"/cases/{other_towns_case.pk}/review/", REVIEW).status_code == 404
    listing = client.get("/cases/").content.decode()
    assert other_towns_case.number not in listing
    assert not CaseReview.objects.exists()


def test_review_post_by_role(client_as: ClientAs, imported: list[Case]) -> None:
    case = imported[0]
    assert client_as("minjing").post(f"/cases/{case.pk}/review/", REVIEW).status_code == 403
    assert client_as("cun02").post(f"/cases/{case.pk}/review/", REVIEW).status_code == 404
    assert not CaseReview.objects.exists()
    response = client_as("banshi").post(f"/cases/{case.pk}/review/", REVIEW)
    assert response.status_code == 302
    assert CaseReview.objects.get().case == case


def test_export_leaves_out_another_towns_cases(
    client_as: ClientAs, imported: list[Case], other_towns_case: Case
) -> None:
    body = b"".join(client_as("banshi").get("/cases/export.xlsx").streaming_content)  # type: ignore[attr-defined]
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(body)).active
    numbers = [row[0] for row in sheet.iter_rows(min_row=4, values_only=True)]
    assert sorted(numbers) == ["A-001", "A-002"]


# --- API ---------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["banshi", "minjing"])
def test_api_list_for_office_and_police(
    imported: list[Case], user: UserGetter, username: str
) -> None:
    response = _api("get", "/api/v1/cases", _token(user(username)))
    assert response.status_code == 200
    assert sorted(item["number"] for item in response.json()["items"]) == ["A-001", "A-002"]


@pytest.mark.parametrize("username", ["cun02", "shiban", "xitong"])
def test_api_list_is_forbidden_to_others(
    imported: list[Case], user: UserGetter, username: str
) -> None:
    response = _api("get", "/api/v1/cases", _token(user(username)))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize("path", ["/api/v1/cases", "/api/v1/cases/1", "/api/v1/cases/imports/1"])
def test_api_without_token_is_401(demo: None, path: str) -> None:
    assert _api("get", path, None).status_code == 401


def test_api_detail_and_import_status_by_scope(
    imported: list[Case], user: UserGetter, other_towns_case: Case
) -> None:
    token = _token(user("banshi"))
    case = imported[0]
    assert _api("get", f"/api/v1/cases/{case.pk}", token).status_code == 200
    assert _api("get", f"/api/v1/cases/{other_towns_case.pk}", token).status_code == 404
    own_job = ImportJob.objects.get(unit=case.unit)
    other_job = ImportJob.objects.get(unit=other_towns_case.unit)
    assert _api("get", f"/api/v1/cases/imports/{own_job.pk}", token).status_code == 200
    assert _api("get", f"/api/v1/cases/imports/{other_job.pk}", token).status_code == 404
    village_token = _token(user("cun02"))
    assert _api("get", f"/api/v1/cases/{case.pk}", village_token).status_code == 404
    assert _api("get", f"/api/v1/cases/imports/{own_job.pk}", village_token).status_code == 404


def test_api_review_by_role(imported: list[Case], user: UserGetter, other_towns_case: Case) -> None:
    case = imported[0]
    police = _api("post", f"/api/v1/cases/{case.pk}/review", _token(user("minjing")), REVIEW)
    assert police.status_code == 403
    assert police.json()["error"]["code"] == "forbidden"
    village = _api("post", f"/api/v1/cases/{case.pk}/review", _token(user("cun02")), REVIEW)
    assert village.status_code == 404
    other = _api(
        "post", f"/api/v1/cases/{other_towns_case.pk}/review", _token(user("banshi")), REVIEW
    )
    assert other.status_code == 404
    assert not CaseReview.objects.exists()
    office = _api("post", f"/api/v1/cases/{case.pk}/review", _token(user("banshi")), REVIEW)
    assert office.status_code == 200
    assert office.json()["review"]["conclusion"] == "excluded"
    assert CaseReview.objects.get().case == case
