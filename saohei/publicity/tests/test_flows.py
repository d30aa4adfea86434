"""Pages and API: the form from a phone, the filter contract, totals, the export, the settings."""

import io
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import lxml.html
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from saohei.common import uploads
from saohei.organisations.models import Unit, User
from saohei.publicity import queries, services
from saohei.publicity.exports import COLUMNS
from saohei.publicity.models import (
    PlaceType,
    PublicityActivity,
    PublicityKind,
    PublicityPhoto,
    PublicitySchedule,
)
from saohei.publicity.tests.conftest import PNG, Record, days_ago, kind, photo
from saohei.publicity.tests.test_access import Api
from saohei.testing.forms import refused_field

pytestmark = pytest.mark.django_db
ClientAs = Callable[[str], Client]


def _form(village: Unit, **overrides: Any) -> dict[str, Any]:
    data = {
        "occurred_on": days_ago(1).isoformat(),
        "kind": kind("car").pk,
        "village": village.pk,
        "place_type": PlaceType.RURAL,
        "place": "全村巡回",
        "quantity": "3",
        "hours": "4.5",
        "reach": "600",
        "handler": User.objects.get(username="cun02").pk,
        "notes": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def known(record: Record, village: Unit, other_village: Unit, town: Unit) -> None:
    """A known data set: 东岛村 (rural) and 北港村 (rural), one town-wide, one voided."""
    record(occurred_on=date(2026, 1, 10), quantity=Decimal(20))
    record(occurred_on=date(2026, 2, 3), quantity=Decimal(15))
    record(
        actor="cun04",
        village=other_village,
        occurred_on=date(2026, 2, 20),
        kind=kind("leaflet"),
        quantity=Decimal(300),
        reach=600,
    )
    record(
        actor="banshi",
        village=None,
        place_type=PlaceType.ENTERPRISE,
        occurred_on=date(2025, 11, 5),
        kind=kind("car"),
        quantity=Decimal(4),
        hours=Decimal("6.5"),
        reach=900,
    )
    voided = record(occurred_on=date(2026, 2, 4), quantity=Decimal(99))
    services.void_activity(
        actor=User.objects.get(username="banshi"), activity=voided, reason="重复"
    )


# The record form -------------------------------------------------------------------------------


def test_village_head_records_through_the_form_with_a_photo(
    client_as: ClientAs, village: Unit
) -> None:
    client = client_as("cun02")
    page = client.get("/publicity/new/").content.decode()
    assert "镇本级" not in page  # a village head records for their village only
    response = client.post(
        "/publicity/new/",
        {**_form(village), "photos": SimpleUploadedFile("车.png", PNG, "image/png")},
    )
    activity = PublicityActivity.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/publicity/{activity.pk}/"
    assert (activity.quantity, activity.hours, activity.reach) == (Decimal(3), Decimal("4.5"), 600)
    assert activity.photos.get().original_name == "车.png"


def test_form_shows_service_refusals_beside_the_field(client_as: ClientAs, village: Unit) -> None:
    response = client_as("cun02").post(
        "/publicity/new/", _form(village, kind=kind("slogan").pk, hours="2")
    )
    assert response.status_code == 200
    assert "不登记时长" in response.content.decode()
    assert not PublicityActivity.objects.exists()


def test_form_refuses_other_villages(client_as: ClientAs, other_village: Unit) -> None:
    response = client_as("cun02").post("/publicity/new/", _form(other_village))
    assert response.status_code == 200
    assert not PublicityActivity.objects.exists()


def test_upload_refuses_oversized_and_disguised_files(
    client_as: ClientAs, village: Unit, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = client_as("cun02")
    disguised = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 not an image", "image/jpeg")
    response = client.post("/publicity/new/", {**_form(village), "photos": disguised})
    assert "不受支持" in response.content.decode()
    monkeypatch.setattr(uploads, "MAX_FILE_BYTES", 32)
    big = SimpleUploadedFile("big.png", PNG + b"\x00" * 64, "image/png")
    response = client.post("/publicity/new/", {**_form(village), "photos": big})
    assert "超过" in response.content.decode()
    too_many = [SimpleUploadedFile(f"{n}.png", PNG, "image/png") for n in range(11)]
    monkeypatch.setattr(uploads, "MAX_FILE_BYTES", 20 * 1024 * 1024)
    response = client.post("/publicity/new/", {**_form(village), "photos": too_many})
    assert "最多上传" in response.content.decode()
    assert not PublicityActivity.objects.exists()
    assert not PublicityPhoto.objects.exists()


def test_a_refused_activity_asks_for_its_good_photo_again(
    client_as: ClientAs, village: Unit
) -> None:
    photo = SimpleUploadedFile("车.png", PNG, "image/png")
    response = client_as("cun02").post(
        "/publicity/new/", {**_form(village), "occurred_on": "2026-13-01", "photos": photo}
    )
    assert response.status_code == 200
    _, error = refused_field(response, "id_photos")
    assert "请重新选择文件" in error
    assert not PublicityPhoto.objects.exists()


def test_correct_and_void_through_the_pages(
    client_as: ClientAs, record: Record, village: Unit
) -> None:
    activity = record()
    client = client_as("cun02")
    assert client.get(f"/publicity/{activity.pk}/edit/").status_code == 200
    response = client.post(
        f"/publicity/{activity.pk}/edit/",
        _form(village, kind=kind("slogan").pk, quantity="24", hours="", reach="", reason="补登"),
    )
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.quantity == Decimal(24)
    client.post(f"/publicity/{activity.pk}/void/", {"reason": "重复登记"})
    activity.refresh_from_db()
    assert activity.void_reason == "重复登记"
    assert 'data-testid="voided"' in client.get(f"/publicity/{activity.pk}/").content.decode()
    assert client.get(f"/publicity/{activity.pk}/edit/").status_code == 403


def test_village_head_cannot_correct_an_accrued_row(
    client_as: ClientAs, record: Record, town: Unit, village: Unit
) -> None:
    office = User.objects.get(username="banshi")
    services.create_schedule(
        actor=office,
        town=town,
        data=services.ScheduleInput(
            village=village,
            kind=kind("led"),
            place_type=PlaceType.RURAL,
            place="村委会 LED 屏",
            description="",
            hours_per_day=Decimal(8),
            screens=1,
            starts_on=days_ago(2),
            ends_on=None,
            handler=office,
        ),
    )
    services.accrue_schedules(today=days_ago(0))
    accrued = PublicityActivity.objects.filter(schedule__isnull=False).first()
    assert accrued is not None
    client = client_as("cun02")
    assert client.get(f"/publicity/{accrued.pk}/").status_code == 200
    assert client.get(f"/publicity/{accrued.pk}/edit/").status_code == 403


# The filter contract -------------------------------------------------------------------------


def test_origin_separates_hand_records_from_accrued_days(
    client_as: ClientAs, record: Record, town: Unit, village: Unit
) -> None:
    office = User.objects.get(username="banshi")
    record()
    services.create_schedule(
        actor=office,
        town=town,
        data=services.ScheduleInput(
            village=village,
            kind=kind("led"),
            place_type=PlaceType.RURAL,
            place="村委会 LED 屏",
            description="",
            hours_per_day=Decimal(8),
            screens=1,
            starts_on=days_ago(3),
            ends_on=None,
            handler=office,
        ),
    )
    services.accrue_schedules(today=days_ago(0))
    manual = set(
        PublicityActivity.objects.filter(schedule__isnull=True).values_list("pk", flat=True)
    )
    accrued = set(
        PublicityActivity.objects.filter(schedule__isnull=False).values_list("pk", flat=True)
    )
    assert len(manual) == 1 and len(accrued) == 3
    client = client_as("banshi")

    def listed_ids(query: str) -> set[int]:
        body = _listed(client, query)
        return {pk for pk in manual | accrued if f'href="/publicity/{pk}/"' in body}

    assert listed_ids("?origin=manual") == manual
    assert listed_ids("?origin=scheduled") == accrued
    assert listed_ids("") == manual | accrued


def _listed(client: Client, query: str) -> str:
    response = client.get(f"/publicity/{query}")
    assert response.status_code == 200
    return response.content.decode()


def test_each_filter_narrows_the_list_and_its_totals(
    client_as: ClientAs, known: None, other_village: Unit
) -> None:
    client = client_as("banshi")
    activities = PublicityActivity.objects.current()

    def ids(body: str) -> set[int]:
        return {a.pk for a in activities if f'href="/publicity/{a.pk}/"' in body}

    assert len(ids(_listed(client, ""))) == 4
    assert len(ids(_listed(client, "?kind=slogan"))) == 2
    assert len(ids(_listed(client, f"?village={other_village.pk}"))) == 1
    assert len(ids(_listed(client, "?place_type=enterprise"))) == 1
    assert len(ids(_listed(client, "?date_from=2026-02-01&date_to=2026-02-28"))) == 2
    body = _listed(client, "?kind=slogan&date_from=2026-02-01")
    assert len(ids(body)) == 1
    assert 'data-kind="slogan">宣传标语 <strong>15</strong> 条' in body


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?kind=nonsense", "没有代码为“nonsense”的宣传形式"),
        ("?village=abc", "不存在或不在您的查看范围内"),
        ("?village=999999", "不存在或不在您的查看范围内"),
        ("?place_type=moon", "地点类型“moon”不正确"),
        ("?date_from=2026-13-01", "日期格式应为"),
        ("?date_to=yesterday", "日期格式应为"),
        ("?date_from=2026-03-01&date_to=2026-02-01", "日期止不能早于日期起"),
        ("?origin=robot", "来源“robot”不正确"),
    ],
)
def test_bad_filter_values_give_a_chinese_message(
    client_as: ClientAs, known: None, query: str, message: str
) -> None:
    client = client_as("banshi")
    for path in ("/publicity/", "/publicity/totals/"):
        response = client.get(f"{path}{query}")
        assert response.status_code == 200
        assert message in response.content.decode()
    export = client.get(f"/publicity/export/{query}")
    assert export.status_code == 302
    assert export["Location"].startswith("/publicity/?")
    api = Api("banshi").get(query)
    if query.startswith("?place_type="):
        # The API's schema lists the place types (decision 0058): refused as it is read.
        assert api.status_code == 422
        assert "应为以下之一" in api.json()["error"]["fields"]["place_type"][0]
    else:
        assert api.status_code == 400
        assert message in api.json()["error"]["message"]


def test_village_head_cannot_filter_on_another_village(
    client_as: ClientAs, known: None, other_village: Unit
) -> None:
    body = _listed(client_as("cun02"), f"?village={other_village.pk}")
    assert "不存在或不在您的查看范围内" in body
    assert "/publicity/" in body and "300" not in body


# Totals -------------------------------------------------------------------------------------


def _by_code(totals: list[queries.KindTotal]) -> dict[str, queries.KindTotal]:
    return {total.kind.code: total for total in totals}


def test_totals_on_a_known_data_set(known: None, other_village: Unit) -> None:
    everything = PublicityActivity.objects.all()
    totals = _by_code(queries.kind_totals(everything))
    assert totals["slogan"].quantity == Decimal(35) and totals["slogan"].activities == 2
    assert totals["leaflet"].reach == 600
    assert (totals["car"].quantity, totals["car"].hours) == (Decimal(4), Decimal("6.5"))
    assert totals["led"].quantity == 0
    in_february = _by_code(
        queries.kind_totals(everything, date_from=date(2026, 2, 1), date_to=date(2026, 2, 28))
    )
    assert in_february["slogan"].quantity == Decimal(15)

    kinds = [total.kind for total in queries.kind_totals(everything)]
    column = {k.code: index for index, k in enumerate(kinds)}
    months = queries.totals_table(everything, kinds=kinds, by="month")
    assert [row.label for row in months.rows] == ["2026年2月", "2026年1月", "2025年11月"]
    assert months.rows[0].cells[column["slogan"]] == Decimal(15)
    assert months.rows[0].query == {"date_from": "2026-02-01", "date_to": "2026-02-28"}
    quarters = queries.totals_table(everything, kinds=kinds, by="quarter")
    assert [row.label for row in quarters.rows] == ["2026年第1季度", "2025年第4季度"]
    assert quarters.rows[0].cells[column["slogan"]] == Decimal(35)
    assert quarters.rows[1].query["date_to"] == "2025-12-31"
    years = queries.totals_table(everything, kinds=kinds, by="year")
    assert [row.label for row in years.rows] == ["2026年", "2025年"]
    villages = queries.totals_table(everything, kinds=kinds, by="village")
    labels = {row.label: row for row in villages.rows}
    assert labels["东岛村"].cells[column["slogan"]] == Decimal(35)
    assert labels["北港村"].query == {"village": str(other_village.pk)}
    assert labels["镇本级（不分村）"].cells[column["car"]] == Decimal(4)
    places = queries.totals_table(everything, kinds=kinds, by="place_type")
    assert [row.label for row in places.rows] == ["农村", "企业"]


def test_totals_page_shows_to_date_and_drill_down_links(
    client_as: ClientAs, known: None, village: Unit
) -> None:
    client = client_as("banshi")
    body = client.get("/publicity/totals/?period=quarter").content.decode()
    assert "截至目前" in body
    assert "2026年第1季度" in body
    assert f'href="/publicity/?village={village.pk}"' in body
    assert "/publicity/?date_from=2026-01-01&amp;date_to=2026-03-31" in body
    filtered = client.get("/publicity/totals/?kind=car").content.decode()
    assert "所选范围" in filtered


def test_list_and_totals_query_counts_do_not_grow_with_rows(
    client_as: ClientAs,
    record: Record,
    django_assert_max_num_queries: Any,
) -> None:
    for n in range(60):
        record(
            occurred_on=days_ago(1 + n % 300),
            quantity=Decimal(1 + n),
            photos=photo() if n < 3 else (),
        )
    client = client_as("banshi")
    with django_assert_max_num_queries(22):
        response = client.get("/publicity/")
    assert response.status_code == 200
    assert 'data-testid="next-page"' in response.content.decode()
    with django_assert_max_num_queries(22):
        response = client.get("/publicity/totals/?period=month")
    assert response.status_code == 200 and 'data-testid="kind-totals"' in response.content.decode()
    with django_assert_max_num_queries(22):
        response = client.get("/publicity/?kind=slogan&date_from=2026-01-01")
    assert (
        response.status_code == 200 and 'data-testid="activity-table"' in response.content.decode()
    )


def test_keyset_paging_walks_every_row_once(client_as: ClientAs, record: Record) -> None:
    for n in range(55):
        record(occurred_on=days_ago(1 + n % 7), quantity=Decimal(1))
    client = client_as("banshi")
    first = client.get("/publicity/").context["page"]
    second = client.get(f"/publicity/?after={first.next_cursor}").context["page"]
    seen = [a.pk for a in first.rows] + [a.pk for a in second.rows]
    assert len(seen) == len(set(seen)) == 55


# Export -------------------------------------------------------------------------------------


def test_export_has_the_ledger_columns_and_follows_the_filters(
    client_as: ClientAs, known: None, record: Record
) -> None:
    record(occurred_on=date(2026, 3, 1), quantity=Decimal(12), photos=photo("标语墙.png"))
    client = client_as("banshi")
    response = client.get("/publicity/export/?kind=slogan")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active  # type: ignore[attr-defined]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[2]) == COLUMNS
    assert (
        len(rows) == 6
    )  # watermark, title, header, three current slogans (the voided one left out)
    newest = rows[3]
    assert newest[1:8] == (
        datetime(2026, 3, 1),  # a real date, not text
        "东岛村（农村） 村委会门前",
        "宣传标语",
        "12",
        "条",
        "",
        User.objects.get(username="cun02").real_name,
    )
    # The file by the name people know it; digests stay on the evidence detail (decision 0022).
    assert newest[8] == "标语墙.png"
    car = client.get("/publicity/export/?kind=car")
    car_rows = list(
        load_workbook(io.BytesIO(b"".join(car.streaming_content))).active.iter_rows(  # type: ignore[attr-defined,union-attr]
            values_only=True
        )
    )
    assert car_rows[3][2:7] == ("镇本级（企业） 村委会门前", "宣传车", "4（6.5 小时）", "次", "900")


# API ----------------------------------------------------------------------------------------


def test_api_filters_and_totals(known: None, other_village: Unit) -> None:
    body = Api("banshi").get(f"?village={other_village.pk}").json()
    assert [row["kind"] for row in body["items"]] == ["leaflet"]
    totals = {row["kind"]: row for row in body["totals"]}
    assert totals["leaflet"]["quantity"] == 300 and totals["leaflet"]["reach"] == 600
    assert len(Api("banshi").get("?date_from=2026-01-01&kind=slogan").json()["items"]) == 2


def _api_body(village: Unit | None, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "occurred_on": days_ago(1).isoformat(),
        "kind": "wechat",
        "village_id": village.pk if village else None,
        "place_type": PlaceType.TOWN_CENTRE,
        "quantity": 1,
        "reach": 1500,
    }
    body.update(overrides)
    return body


def test_api_create_by_the_office_and_by_a_village_head(village: Unit, other_village: Unit) -> None:
    created = Api("banshi").post(_api_body(None))
    assert created.status_code == 201, created.content
    assert created.json()["kind_label"] == "微信公众号推文"
    assert created.json()["reach"] == 1500
    head = Api("cun02")
    own = head.post(_api_body(village, kind="leaflet", place_type="rural", quantity=200))
    assert own.status_code == 201
    assert own.json()["handler"] == User.objects.get(username="cun02").real_name
    assert head.post(_api_body(other_village)).status_code == 403
    assert head.post(_api_body(None)).status_code == 403
    assert PublicityActivity.objects.count() == 2


@pytest.mark.parametrize(
    ("overrides", "status"),
    [
        ({"kind": "nonsense"}, 400),
        ({"occurred_on": (date.today() + timedelta(days=3)).isoformat()}, 422),
        ({"quantity": 0}, 400),
        ({"place_type": "moon"}, 422),  # the schema lists the place types (decision 0058)
        ({"quantity": "many"}, 422),
        ({"handler_id": 999999}, 400),
    ],
)
def test_api_create_refuses_bad_input(overrides: dict[str, Any], status: int, demo: None) -> None:
    response = Api("banshi").post(_api_body(None, **overrides))
    assert response.status_code == status
    assert response.json()["error"]["message"]
    assert not PublicityActivity.objects.exists()


@pytest.mark.parametrize("username", ["shiban", "minjing", "xitong"])
def test_api_create_refused_for_other_roles(username: str, demo: None) -> None:
    assert Api(username).post(_api_body(None)).status_code == 403
    assert not PublicityActivity.objects.exists()


# Settings: kinds and schedules --------------------------------------------------------------


def test_office_edits_and_adds_kinds_through_the_page(client_as: ClientAs) -> None:
    client = client_as("banshi")
    board = kind("board")
    response = client.post(
        f"/publicity/kinds/{board.pk}/",
        {"name": "宣传展板", "unit_label": "块", "order": "30", "active": "on"},
    )
    assert response.status_code == 302
    board.refresh_from_db()
    assert (board.name, board.unit_label) == ("宣传展板", "块")
    client.post("/publicity/kinds/", {"name": "村规民约宣传册", "unit_label": "本", "order": "95"})
    new = PublicityKind.objects.get(name="村规民约宣传册")
    assert new.active is False  # an unticked checkbox: added but not yet in use
    assert "村规民约宣传册" in client.get("/publicity/kinds/").content.decode()


def test_office_sets_stops_and_accrues_a_schedule_through_the_page(client_as: ClientAs) -> None:
    client = client_as("banshi")
    response = client.post(
        "/publicity/schedules/",
        {
            "kind": kind("led").pk,
            "village": "",
            "place_type": PlaceType.TOWN_CENTRE,
            "place": "镇政府广场 LED 屏",
            "description": "",
            "hours_per_day": "10",
            "screens": "3",
            "starts_on": days_ago(4).isoformat(),
            "ends_on": "",
            "handler": User.objects.get(username="banshi").pk,
        },
    )
    assert response.status_code == 302
    schedule = PublicitySchedule.objects.get()
    client.post("/publicity/schedules/accrue/")
    assert schedule.activities.count() == 4
    assert "120 小时（4 天）" in client.get("/publicity/schedules/").content.decode()
    bad = client.post(
        f"/publicity/schedules/{schedule.pk}/stop/", {"ends_on": "nonsense", "reason": "换屏"}
    )
    # Refused in its row: the reason kept, the date marked, the new-schedule form still there.
    assert bad.status_code == 400
    page = lxml.html.fromstring(bad.content.decode())
    assert page.get_element_by_id(f"id_stop{schedule.pk}_reason").get("value") == "换屏"
    ends_on = page.get_element_by_id(f"id_stop{schedule.pk}_ends_on")
    assert ends_on.get("aria-invalid") == "true"
    assert page.get_element_by_id(ends_on.get("aria-describedby")).text_content().strip()
    assert page.get_element_by_id("id_kind") is not None
    client.post(f"/publicity/schedules/{schedule.pk}/stop/", {"ends_on": days_ago(3).isoformat()})
    assert schedule.activities.current().count() == 2
    assert "已停止" in client.get("/publicity/schedules/").content.decode()


def test_refused_void_keeps_the_reason_beside_its_field(
    client_as: ClientAs, record: Record
) -> None:
    activity = record()
    reason = "重复登记" * 60
    response = client_as("cun02").post(f"/publicity/{activity.pk}/void/", {"reason": reason})
    assert response.status_code == 400
    page = lxml.html.fromstring(response.content.decode())
    field = page.get_element_by_id("id_reason")
    assert field.get("value") == reason
    assert field.get("aria-invalid") == "true"
    assert "200" in page.get_element_by_id("id_reason_error").text_content()
    activity.refresh_from_db()
    assert activity.void_reason == ""
