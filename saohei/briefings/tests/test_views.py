import io
import re
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Length, Pt
from pypdf import PdfReader

from saohei.audit.models import AuditAction, AuditEvent
from saohei.briefings.figures import Scope, get_figure
from saohei.briefings.models import BriefingDraft
from saohei.conftest import sign_in
from saohei.testing.forms import refused_field

INDEX = "/briefings/"


def _numbers(html: str) -> list[tuple[str, str]]:
    """(figure key, link) of every number the generated briefing shows."""
    return re.findall(r'<a href="(/briefings/figures/[^"]+)" data-figure="([^"]+)"', html)


@pytest.mark.django_db
def test_every_number_links_to_exactly_the_records_it_counts(demo_history, client):
    from django.utils import timezone

    sign_in(client, "banshi")
    response = client.get(INDEX, {"unit": demo_history.pk})
    assert response.status_code == 200
    links = _numbers(response.content.decode())
    assert len(links) > 30
    scope = Scope(unit=demo_history, date_from=None, date_to=None, today=timezone.localdate())
    for url, key in links:
        page = client.get(url.replace("&amp;", "&"))
        assert page.status_code == 200, key
        listed = {int(pk) for pk in re.findall(r'data-record="(\d+)"', page.content.decode())}
        figure = get_figure(key)
        assert figure is not None, key
        records = list(figure.records(scope))
        assert listed == {record.pk for record in records}, key
        if figure.sum_field:
            total = sum((getattr(record, figure.sum_field) for record in records), Decimal(0))
        else:
            total = len(records)
        assert total > 0, key
        shown = page.context["total"]
        assert Decimal(shown) == total, key


@pytest.mark.django_db
def test_drilldown_links_each_record_to_its_own_page(demo_history, client):
    sign_in(client, "banshi")
    page = client.get(
        reverse("briefings:figure", args=["leads.upper_assigned"]), {"unit": demo_history.pk}
    )
    rows = page.context["rows"]
    assert len(rows) == 10
    assert all(row["url"].startswith("/leads/") for row in rows)
    assert client.get(rows[0]["url"]).status_code == 200


@pytest.mark.django_db
def test_supervisor_sees_the_number_but_not_the_cases_it_may_not_list(demo_history, client):
    sign_in(client, "shiban")
    page = client.get(
        reverse("briefings:figure", args=["cases.reviewed"]), {"unit": demo_history.pk}
    )
    assert page.status_code == 200
    # 案件倒查 is not the supervisor's page: the count stays the town's, the rows are withheld.
    assert page.context["rows"] == []
    assert page.context["total"] == "15"
    html = page.content.decode()
    assert "另有 15 条受限记录" in html
    table = html.split('data-testid="figure-records"')[1].split("</table>")[0]
    assert not re.search(r"\d{4}-\d{2}-\d{2}", table)


@pytest.mark.django_db
def test_page_queries_do_not_grow_with_records(demo_history, client, django_assert_max_num_queries):
    sign_in(client, "banshi")
    with django_assert_max_num_queries(105):
        index = client.get(INDEX, {"unit": demo_history.pk})
    assert index.status_code == 200 and len(_numbers(index.content.decode())) > 30
    with django_assert_max_num_queries(20):
        page = client.get(
            reverse("briefings:figure", args=["talks.cadre_talks"]), {"unit": demo_history.pk}
        )
    assert page.status_code == 200 and 'data-testid="figure-records"' in page.content.decode()


def test_anonymous_visitors_go_to_the_login_page(town, client):
    for url in (
        INDEX,
        reverse("briefings:figure", args=["cases.reviewed"]) + f"?unit={town.pk}",
        reverse("briefings:export", args=["docx"]) + f"?unit={town.pk}",
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("username", ["cun01", "minjing", "baoguan", "xitong", "shenji"])
def test_other_roles_are_refused(town, client_as, username):
    client = client_as(username)
    assert client.get(INDEX).status_code == 403
    assert (
        client.get(reverse("briefings:export", args=["pdf"]), {"unit": town.pk}).status_code == 403
    )
    assert (
        client.get(
            reverse("briefings:figure", args=["cases.reviewed"]), {"unit": town.pk}
        ).status_code
        == 403
    )


def test_the_office_of_one_town_cannot_open_another_town(other_town, client_as):
    client = client_as("banshi")
    assert client.get(INDEX, {"unit": other_town.pk}).status_code == 404
    assert client.get(INDEX, {"unit": "abc"}).status_code == 404
    url = reverse("briefings:figure", args=["leads.upper_assigned"])
    assert client.get(url, {"unit": other_town.pk}).status_code == 404
    assert (
        client.get(reverse("briefings:export", args=["docx"]), {"unit": other_town.pk}).status_code
        == 404
    )


def test_a_supervisor_briefs_towns_in_their_subtree_only(other_town, foreign_town, client_as):
    client = client_as("shiban")
    response = client.get(INDEX, {"unit": other_town.pk})
    assert response.status_code == 200
    assert response.context["briefing"].unit == other_town
    assert client.get(INDEX, {"unit": foreign_town.pk}).status_code == 404


def test_bad_dates_get_a_chinese_message_not_an_error(town, client_as):
    client = client_as("banshi")
    url = reverse("briefings:figure", args=["cases.reviewed"])
    response = client.get(url, {"unit": town.pk, "from": "2026-13-01"})
    assert response.status_code == 400
    assert "起始日期格式不正确" in response.content.decode()
    response = client.get(url, {"unit": town.pk, "from": "2026-02-01", "to": "2026-01-01"})
    assert response.status_code == 400
    assert "起始日期不能晚于截止日期" in response.content.decode()
    page = client.get(INDEX, {"unit": town.pk, "from": "yesterday"})
    assert page.status_code == 200
    assert "起始日期格式不正确" in page.content.decode()
    assert "briefing" not in page.context or page.context.get("briefing") is None
    assert (
        client.get(reverse("briefings:figure", args=["no.such"]), {"unit": town.pk}).status_code
        == 404
    )
    assert (
        client.get(reverse("briefings:export", args=["exe"]), {"unit": town.pk}).status_code == 404
    )


def _east_asian_font(run: Any) -> str:
    return run._element.rPr.rFonts.get(qn("w:eastAsia"))


def test_word_export_is_an_official_document_with_the_chinese_text(town, client_as):
    response = client_as("banshi").get(
        reverse("briefings:export", args=["docx"]), {"unit": town.pk}
    )

    assert response.status_code == 200
    document = Document(io.BytesIO(response.content))
    texts = [paragraph.text for paragraph in document.paragraphs]
    title_index = texts.index("港西镇扫黑除恶专项斗争工作简报")
    assert texts[0] == "工作简报"
    assert "一、组织领导" in texts
    assert any("副书记、派出所教导员任副组长" in text for text in texts)
    assert "本期未录入宣传活动记录。" in texts
    title_run = document.paragraphs[title_index].runs[0]
    assert title_run.font.size == Pt(22)
    assert _east_asian_font(title_run) == "方正小标宋简体"
    heading = document.paragraphs[texts.index("一、组织领导")].runs[0]
    assert _east_asian_font(heading) == "黑体"
    assert heading.font.size == Pt(16)
    body = document.paragraphs[texts.index("一、组织领导") + 1]
    assert _east_asian_font(body.runs[0]) == "仿宋_GB2312"
    assert body.paragraph_format.line_spacing == Pt(28)
    section = document.sections[0]
    margins = [section.top_margin, section.bottom_margin, section.left_margin, section.right_margin]
    # Word stores twips: compare in whole millimetres.
    assert [round(Length(margin or 0).mm) for margin in margins] == [37, 35, 28, 26]
    assert "导出人：李晓静" in section.header.paragraphs[0].text
    event = AuditEvent.objects.filter(action=AuditAction.BRIEFING_EXPORTED).get()
    assert event.actor_username == "banshi"
    assert event.details["format"] == "docx"


def test_pdf_export_renders_the_chinese_text(town, client_as):
    response = client_as("shiban").get(reverse("briefings:export", args=["pdf"]), {"unit": town.pk})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "扫黑除恶专项斗争工作简报" in text
    assert "组织领导" in text
    assert "导出人：赵建民" in text
    assert AuditEvent.objects.filter(
        action=AuditAction.BRIEFING_EXPORTED, actor_username="shiban"
    ).exists()


def test_office_saves_edits_and_exports_a_draft(town, client_as):
    client = client_as("banshi")
    response = client.post(
        reverse("briefings:draft_create"), {"unit": town.pk, "from": "", "to": ""}
    )
    draft = BriefingDraft.objects.get()
    assert response["Location"] == reverse("briefings:draft", args=[draft.pk])
    assert [section["key"] for section in draft.sections][1:] == [
        "organisation",
        "responsibility",
        "publicity",
        "leads",
    ]

    data = {f"section_{section['key']}": section["text"] for section in draft.sections}
    data.update(title="港西镇扫黑除恶工作简报（第1期）", section_publicity="组织集中宣传一次。")
    assert client.post(reverse("briefings:draft", args=[draft.pk]), data).status_code == 302
    draft.refresh_from_db()
    assert draft.title == "港西镇扫黑除恶工作简报（第1期）"
    assert draft.edited_by is not None
    assert draft.edited_by.username == "banshi"

    exported = client.get(reverse("briefings:draft_export", args=[draft.pk, "docx"]))
    texts = [paragraph.text for paragraph in Document(io.BytesIO(exported.content)).paragraphs]
    assert texts[4] == "港西镇扫黑除恶工作简报（第1期）"
    assert "组织集中宣传一次。" in texts

    client.post(reverse("briefings:draft_regenerate", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.title == "港西镇扫黑除恶专项斗争工作简报"
    publicity = next(s for s in draft.sections if s["key"] == "publicity")
    assert publicity["text"] == "本期未录入宣传活动记录。"
    actions = list(
        AuditEvent.objects.filter(action__startswith="briefing")
        .order_by("sequence")
        .values_list("action", flat=True)
    )
    assert actions == [
        AuditAction.BRIEFING_DRAFT_SAVED,
        AuditAction.BRIEFING_DRAFT_SAVED,
        AuditAction.BRIEFING_EXPORTED,
        AuditAction.BRIEFING_DRAFT_REGENERATED,
    ]


def test_an_empty_title_is_refused_beside_the_field(town, client_as):
    client = client_as("banshi")
    client.post(reverse("briefings:draft_create"), {"unit": town.pk})
    draft = BriefingDraft.objects.get()
    response = client.post(reverse("briefings:draft", args=[draft.pk]), {"title": "  "})
    assert response.status_code == 200
    assert (
        "这个字段是必填项" in response.content.decode()
        or "请填写简报标题" in response.content.decode()
    )
    draft.refresh_from_db()
    assert draft.title == "港西镇扫黑除恶专项斗争工作简报"


def test_a_supervisor_reads_drafts_but_does_not_write_them(town, other_town, client_as):
    office = client_as("banshi")
    office.post(reverse("briefings:draft_create"), {"unit": town.pk})
    draft = BriefingDraft.objects.get()
    supervisor = client_as("shiban")

    assert supervisor.get(reverse("briefings:draft", args=[draft.pk])).status_code == 200
    assert (
        supervisor.post(reverse("briefings:draft", args=[draft.pk]), {"title": "改"}).status_code
        == 403
    )
    assert (
        supervisor.post(reverse("briefings:draft_regenerate", args=[draft.pk])).status_code == 403
    )
    assert supervisor.post(reverse("briefings:draft_create"), {"unit": town.pk}).status_code == 403
    assert BriefingDraft.objects.count() == 1
    draft.refresh_from_db()
    assert draft.edited_by is None


def test_drafts_of_another_town_are_not_found(town, other_town, client_as, user):
    from saohei.briefings import services

    draft = services.create_draft(actor=user("shuji"), unit=town, date_from=None, date_to=None)
    draft.unit = other_town
    draft.save(update_fields=["unit"])
    client = client_as("banshi")
    assert client.get(reverse("briefings:draft", args=[draft.pk])).status_code == 404
    assert client.get(reverse("briefings:draft_export", args=[draft.pk, "pdf"])).status_code == 404
    assert client_as("cun01").get(reverse("briefings:draft", args=[draft.pk])).status_code == 403


def test_the_menu_shows_the_briefing_to_the_office_and_supervisor(town, client_as):
    assert "工作简报" in client_as("banshi").get("/").content.decode()
    assert "工作简报" in client_as("shiban").get("/").content.decode()
    assert 'href="/briefings/"' not in client_as("cun01").get("/").content.decode()


def test_only_the_office_may_save_drafts_through_the_service(town, user):
    from saohei.briefings import services
    from saohei.common.errors import ActionNotAllowed

    with pytest.raises(ActionNotAllowed):
        services.create_draft(actor=user("shiban"), unit=town, date_from=None, date_to=None)
    with pytest.raises(ActionNotAllowed):
        services.create_draft(actor=user("cun01"), unit=town, date_from=None, date_to=None)
    assert not BriefingDraft.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="briefing").exists()


def test_anonymous_visitors_cannot_reach_or_change_drafts(town, user, client):
    from saohei.briefings import services

    draft = services.create_draft(actor=user("shuji"), unit=town, date_from=None, date_to=None)
    title = draft.title
    for url in (
        reverse("briefings:draft", args=[draft.pk]),
        reverse("briefings:draft_export", args=[draft.pk, "docx"]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    for url, data in (
        (reverse("briefings:draft_create"), {"unit": town.pk}),
        (reverse("briefings:draft", args=[draft.pk]), {"title": "匿名修改"}),
        (reverse("briefings:draft_regenerate", args=[draft.pk]), {}),
    ):
        response = client.post(url, data)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert BriefingDraft.objects.count() == 1
    draft.refresh_from_db()
    assert draft.title == title


def test_a_refused_draft_keeps_the_period_beside_its_error(town, client_as):
    client = client_as("banshi")
    before = (BriefingDraft.objects.count(), AuditEvent.objects.count())
    response = client.post(
        reverse("briefings:draft_create"), {"unit": town.pk, "from": "2026-13-01", "to": ""}
    )
    assert response.status_code == 400
    date_from, error = refused_field(response, "id_from")
    assert date_from.get("value") == "2026-13-01"
    assert "起始日期格式不正确" in error
    response = client.post(
        reverse("briefings:draft_create"),
        {"unit": town.pk, "from": "2026-02-01", "to": "2026-01-01"},
    )
    assert response.status_code == 400
    assert "起始日期不能晚于截止日期" in response.content.decode()
    assert 'value="2026-02-01"' in response.content.decode()
    assert (BriefingDraft.objects.count(), AuditEvent.objects.count()) == before
