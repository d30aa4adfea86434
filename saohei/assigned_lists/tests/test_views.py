"""The pages through the client: upload → mapping and preview → import → 反馈; who may open them."""

import io
import zipfile

import pytest
from django.test import Client
from openpyxl import load_workbook

from saohei.assigned_lists import services
from saohei.assigned_lists.models import AssignedList
from saohei.assigned_lists.tests.helpers import csv_file, day, list_row, merged_xlsx
from saohei.assigned_lists.tests.test_import import _mapped, stage
from saohei.leads.models import Lead, Source
from saohei.sheets.models import SenderMapping, StagedSheet

pytestmark = pytest.mark.django_db

HEADER = ["交办编号", "交办日期", "反馈期限", "被反映人", "所属村", "问题内容", "来源"]


def test_the_clerk_uploads_maps_a_value_once_and_imports(client_as, town):
    client = client_as("banshi")
    assert client.get("/assigned-lists/import/").status_code == 200
    rows = [["SJ-01", day(-1), day(10), "刘某", "港西镇港西村", "刘某垄断沙石运输", "市扫黑办交办"]]
    response = client.post(
        "/assigned-lists/import/",
        {
            "unit": town.pk,
            "sender": "荣成市扫黑办",
            "source": Source.UPPER_ASSIGNED,
            "file": csv_file(HEADER, rows),
        },
    )
    assert response.status_code == 302
    staged = StagedSheet.objects.get()
    page = client.get(response["Location"])
    text = page.content.decode()
    assert page.status_code == 200
    assert "来源“市扫黑办交办”无法识别" in text
    assert 'data-testid="confirm-import"' not in text

    columns = {
        f"column_{position}": key
        for position, key in enumerate(
            [
                "upstream_reference",
                "received_on",
                "deadline",
                "subject_name",
                "village",
                "content",
                "source",
            ]
        )
    }
    saved = client.post(
        f"/assigned-lists/import/{staged.pk}/",
        {"action": "map", **columns, "value_0": Source.UPPER_ASSIGNED},
    )
    assert saved.status_code == 302
    assert SenderMapping.objects.get().values == {"source": {"市扫黑办交办": Source.UPPER_ASSIGNED}}
    preview = client.get(f"/assigned-lists/import/{staged.pk}/").content.decode()
    assert 'data-testid="confirm-import"' in preview

    done = client.post(f"/assigned-lists/import/{staged.pk}/", {"action": "import"})
    assigned = AssignedList.objects.get()
    assert done["Location"] == f"/assigned-lists/{assigned.pk}/"
    lead = Lead.objects.get(upstream_reference="SJ-01")
    assert lead.village is not None and lead.village.name == "港西村"
    detail = client.get(done["Location"]).content.decode()
    assert lead.number in detail

    feedback = client.get(f"/assigned-lists/{assigned.pk}/feedback.xlsx")
    assert feedback.status_code == 200
    sheet = load_workbook(io.BytesIO(feedback.content)).worksheets[0]
    assert [cell.value for cell in sheet[1]] == [
        *HEADER,
        "核查情况",
        "核查结论",
        "办结时间",
        "反馈人",
    ]
    assert [cell.value for cell in sheet[2]][:7] == rows[0]
    reports = client.get(f"/assigned-lists/{assigned.pk}/reports.zip")
    assert reports.status_code == 200
    assert zipfile.ZipFile(io.BytesIO(reports.content)).namelist() == ["未附报告的线索.txt"]


def test_a_bad_upload_is_answered_on_the_form_in_chinese(client_as, town):
    client = client_as("banshi")
    response = client.post(
        "/assigned-lists/import/",
        {
            "unit": town.pk,
            "sender": "市扫黑办",
            "source": Source.UPPER_ASSIGNED,
            "file": csv_file(["a"], [], name="x.txt"),
        },
    )
    assert response.status_code == 400
    assert "不是 .xlsx 工作簿或 .csv 文件" in response.content.decode()
    assert not StagedSheet.objects.exists()


def test_a_list_with_problems_is_refused_and_its_rejected_rows_download(client_as, banshi, town):
    _mapped(banshi, town)
    staged = stage(
        banshi, town, merged_xlsx([list_row(1, "RC-1", village="无此村"), list_row(2, "RC-2")])
    )
    client = client_as("banshi")
    refused = client.post(f"/assigned-lists/import/{staged.pk}/", {"action": "import"})
    assert refused.status_code == 400
    assert "未写入任何内容" in refused.content.decode()
    assert not Lead.objects.exists()
    page = client.get(f"/assigned-lists/import/{staged.pk}/?problems=1").content.decode()
    assert "无此村" in page and "RC-2" not in page
    rejected = client.get(f"/assigned-lists/import/{staged.pk}/rejected.xlsx")
    assert rejected.status_code == 200
    sheet = load_workbook(io.BytesIO(rejected.content)).worksheets[0]
    assert sheet.cell(4, 2).value == "RC-1"


def test_a_staged_sheet_without_a_header_says_so(client_as, banshi, town):
    staged = stage(banshi, town, csv_file(["姓名", "年龄"], [["张三", "40"]], encoding="utf-8-sig"))
    page = client_as("banshi").get(f"/assigned-lists/import/{staged.pk}/")
    assert page.status_code == 400
    assert "没有找到表头" in page.content.decode()


@pytest.fixture
def imported(banshi, town) -> AssignedList:  # type: ignore[no-untyped-def]
    _mapped(banshi, town)
    return services.import_list(
        actor=banshi, staged=stage(banshi, town, merged_xlsx([list_row(1, "RC-1")]))
    )


@pytest.mark.parametrize("username", ["shuji", "fushuji"])
def test_leaders_read_lists_and_export_but_do_not_import(client_as, imported, username):
    client = client_as(username)
    assert client.get("/assigned-lists/").status_code == 200
    assert client.get(f"/assigned-lists/{imported.pk}/").status_code == 200
    assert client.get(f"/assigned-lists/{imported.pk}/feedback.xlsx").status_code == 200
    assert client.get("/assigned-lists/import/").status_code == 403
    staged = StagedSheet.objects.first()
    assert staged is not None
    assert client.get(f"/assigned-lists/import/{staged.pk}/").status_code == 403


@pytest.mark.parametrize("username", ["cun01", "suozhang", "shiban", "xitong"])
def test_village_heads_police_supervisors_and_admins_are_refused(client_as, imported, username):
    client = client_as(username)
    staged = StagedSheet.objects.first()
    assert staged is not None
    for path in (
        "/assigned-lists/",
        "/assigned-lists/import/",
        f"/assigned-lists/import/{staged.pk}/",
        f"/assigned-lists/import/{staged.pk}/rejected.xlsx",
        f"/assigned-lists/{imported.pk}/",
        f"/assigned-lists/{imported.pk}/feedback.xlsx",
        f"/assigned-lists/{imported.pk}/reports.zip",
    ):
        assert client.get(path).status_code == 403, path
    assert (
        client.post(f"/assigned-lists/import/{staged.pk}/", {"action": "import"}).status_code == 403
    )
    assert not Lead.objects.exclude(upstream_reference="RC-1").exists()


def test_another_towns_clerk_gets_404_for_this_towns_lists(client_as, imported, other_town):
    client = client_as("gdbanshi")
    staged = StagedSheet.objects.first()
    assert staged is not None
    assert client.get("/assigned-lists/").status_code == 200
    assert imported.file_name not in client.get("/assigned-lists/").content.decode()
    for path in (
        f"/assigned-lists/import/{staged.pk}/",
        f"/assigned-lists/import/{staged.pk}/rejected.xlsx",
        f"/assigned-lists/{imported.pk}/",
        f"/assigned-lists/{imported.pk}/feedback.xlsx",
        f"/assigned-lists/{imported.pk}/reports.zip",
    ):
        assert client.get(path).status_code == 404, path
    response = client.post(f"/assigned-lists/import/{staged.pk}/", {"action": "import"})
    assert response.status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(imported):
    client = Client()
    for path in ("/assigned-lists/", "/assigned-lists/import/", f"/assigned-lists/{imported.pk}/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_the_menu_offers_the_lists_to_the_office_only(client_as):
    assert 'href="/assigned-lists/"' in client_as("banshi").get("/").content.decode()
    assert 'href="/assigned-lists/"' in client_as("shuji").get("/").content.decode()
    assert 'href="/assigned-lists/"' not in client_as("cun01").get("/").content.decode()
    assert 'href="/assigned-lists/"' not in client_as("minjing").get("/").content.decode()


def test_a_mapping_post_without_its_selects_saves_nothing(client_as, banshi, town):
    staged = stage(banshi, town, merged_xlsx([list_row(1, "RC-1")]))
    response = client_as("banshi").post(f"/assigned-lists/import/{staged.pk}/", {"action": "map"})
    assert response.status_code == 400
    assert not SenderMapping.objects.exists()
    leave_out = client_as("banshi").post(
        f"/assigned-lists/import/{staged.pk}/",
        {
            "action": "map",
            **{f"column_{n}": "ignore" for n in range(9)},
            "column_1": "upstream_reference",
        },
    )
    assert leave_out.status_code == 302
    assert SenderMapping.objects.get().columns["序号"] == ""


def _staged_with_two_unknown_words(client, town):
    rows = [["SJ-02", day(-1), day(10), "刘某", "港西镇港西村三组", "刘某垄断沙石运输", "市交办"]]
    response = client.post(
        "/assigned-lists/import/",
        {
            "unit": town.pk,
            "sender": "荣成市扫黑办",
            "source": Source.UPPER_ASSIGNED,
            "file": csv_file(HEADER, rows),
        },
    )
    assert response.status_code == 302
    return StagedSheet.objects.get()


GUESSED = ["upstream_reference", "received_on", "deadline", "subject_name", "village", "content"]


def test_a_refused_mapping_shows_again_every_column_and_value_the_clerk_chose(client_as, town):
    client = client_as("banshi")
    staged = _staged_with_two_unknown_words(client, town)
    village = town.children.get(name="港西村")
    columns = {f"column_{n}": key for n, key in enumerate([*GUESSED, "source"])}
    # The clerk leaves 反馈期限 out, maps the village, and sends a value not on the list.
    columns["column_2"] = "ignore"
    response = client.post(
        f"/assigned-lists/import/{staged.pk}/",
        {"action": "map", **columns, "value_0": "bogus", "value_1": str(village.pk)},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "请从列表中选择" in page
    assert '<option value="ignore" selected>（不导入）</option>' in page
    assert f'<option value="{village.pk}" selected>港西村</option>' in page
    assert not SenderMapping.objects.exists()


def test_a_mapping_the_service_refuses_says_why_and_keeps_the_choices(client_as, town):
    client = client_as("banshi")
    staged = _staged_with_two_unknown_words(client, town)
    village = town.children.get(name="港西村")
    columns = {f"column_{n}": key for n, key in enumerate([*GUESSED, "source"])}
    # Two columns for one field: the form accepts each select, the service refuses the pair.
    columns["column_3"] = "upstream_reference"
    response = client.post(
        f"/assigned-lists/import/{staged.pk}/",
        {"action": "map", **columns, "value_0": Source.PLATFORM_12337, "value_1": str(village.pk)},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "“交办编号”只能对应一列" in page
    assert page.count('<option value="upstream_reference" selected>') == 2
    assert f'<option value="{Source.PLATFORM_12337}" selected>' in page
    assert f'<option value="{village.pk}" selected>港西村</option>' in page
    assert not SenderMapping.objects.exists()
