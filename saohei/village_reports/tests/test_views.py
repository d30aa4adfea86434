from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone

from saohei.organisations.models import Unit, User
from saohei.village_reports import services
from saohei.village_reports.models import ReportKind, VillageReport
from saohei.village_reports.queries import due_day_of

pytestmark = pytest.mark.django_db
ClientAs = Callable[[str], Client]
VillageOf = Callable[[str], Unit]


def _month() -> str:
    return timezone.localdate().replace(day=1).isoformat()


def test_village_head_sends_a_zero_report_through_the_page(
    client_as: ClientAs, village_of: VillageOf
) -> None:
    village = village_of("cun02")
    client = client_as("cun02")
    url = f"/village-reports/villages/{village.pk}/submit/"
    assert client.get(url).status_code == 200

    response = client.post(url, {"month": _month(), "kind": "zero", "zero_confirmed": "on"})

    assert response.status_code == 302
    assert VillageReport.objects.get(village=village).kind == ReportKind.ZERO
    page = client.get("/village-reports/").content.decode()
    assert "零报告" in page


def test_an_unconfirmed_zero_report_is_sent_back_with_the_message(
    client_as: ClientAs, village_of: VillageOf
) -> None:
    village = village_of("cun02")
    response = client_as("cun02").post(
        f"/village-reports/villages/{village.pk}/submit/", {"month": _month(), "kind": "zero"}
    )
    assert response.status_code == 400
    assert "零报告须由负责人确认" in response.content.decode()
    assert not VillageReport.objects.exists()


@pytest.mark.parametrize(
    ("username", "status"),
    [("cun03", 404), ("banshi", 403), ("shiban", 403), ("minjing", 403), ("xitong", 403)],
)
def test_only_the_villages_own_head_opens_its_report_form(
    client_as: ClientAs, village_of: VillageOf, username: str, status: int
) -> None:
    village = village_of("cun02")
    url = f"/village-reports/villages/{village.pk}/submit/"
    assert client_as(username).get(url).status_code == status
    response = client_as(username).post(
        url, {"month": _month(), "kind": "zero", "zero_confirmed": "on"}
    )
    assert response.status_code == status
    assert not VillageReport.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(village_of: VillageOf) -> None:
    village = village_of("cun02")
    for url in ("/village-reports/", f"/village-reports/villages/{village.pk}/submit/"):
        response = Client().get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_village_head_sees_only_their_own_village(
    client_as: ClientAs, village_of: VillageOf, user: Callable[[str], User]
) -> None:
    services.submit_village_report(
        actor=user("cun03"),
        village=village_of("cun03"),
        data=services.ReportInput(
            month=timezone.localdate().replace(day=1), kind=ReportKind.LEADS, note="另一村的情况"
        ),
    )
    page = client_as("cun02").get("/village-reports/").content.decode()
    assert village_of("cun02").name in page
    assert village_of("cun03").name not in page
    assert "另一村的情况" not in page


def test_office_sees_the_missing_villages_and_the_city_sees_counts_per_town(
    client_as: ClientAs, village_of: VillageOf, user: Callable[[str], User]
) -> None:
    month = timezone.localdate().replace(day=1)
    services.submit_village_report(
        actor=user("cun02"),
        village=village_of("cun02"),
        data=services.ReportInput(month=month, kind=ReportKind.ZERO, zero_confirmed=True),
    )
    query = f"?month={month:%Y-%m}"
    office = client_as("banshi").get("/village-reports/" + query).content.decode()
    assert 'data-testid="missing-villages"' in office
    assert f'<option value="{month:%Y-%m}" selected>{month:%Y年%m月}</option>' in office
    assert village_of("cun03").name in office
    city = client_as("shiban").get("/village-reports/" + query)
    assert city.status_code == 200
    assert 'data-testid="town-count"' in city.content.decode()
    assert 'data-testid="missing-villages"' not in city.content.decode()


def test_office_sets_the_due_day_on_the_page(client_as: ClientAs, village_of: VillageOf) -> None:
    town = village_of("cun02").parent
    assert town is not None
    response = client_as("banshi").post(
        f"/village-reports/towns/{town.pk}/due-day/", {"due_day": "8"}
    )
    assert response.status_code == 302
    assert due_day_of(town) == 8
    assert (
        client_as("cun02")
        .post(f"/village-reports/towns/{town.pk}/due-day/", {"due_day": "9"})
        .status_code
        == 403
    )
    assert due_day_of(town) == 8


def test_a_refused_due_day_comes_back_with_what_was_typed_and_why(
    client_as: ClientAs, village_of: VillageOf
) -> None:
    town = village_of("cun02").parent
    assert town is not None
    before = due_day_of(town)
    response = client_as("banshi").post(
        f"/village-reports/towns/{town.pk}/due-day/", {"due_day": "31"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="31"' in page and 'data-testid="field-error"' in page
    assert "截止日须为1至28之间的整数" in page
    assert due_day_of(town) == before
