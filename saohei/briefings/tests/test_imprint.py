"""The briefing as a township sends it: 版头 (工作简报, 第N期, issuing unit, date), "（截至…）"
and 版记 (报/送/发, 共印N份), in the page, the .docx and the .pdf; issue numbers per town and year;
the town's settings edited by its office only."""

import io
import threading
import time

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from docx import Document
from pypdf import PdfReader

from saohei.audit.models import AuditAction, AuditEvent
from saohei.briefings import services
from saohei.briefings.models import BriefingDraft, BriefingSettings
from saohei.common.dates import chinese_date
from saohei.common.errors import ActionNotAllowed
from saohei.demo.loader import load_demo_town
from saohei.organisations.models import Unit, User

SETTINGS = {
    "issuing_unit": "港西镇扫黑办",
    "report_to": "荣成市扫黑办",
    "copy_to": "镇党委、镇政府",
    "distribute_to": "各村（社区）",
    "copies": "30",
}
CLOSING = ["报：荣成市扫黑办", "送：镇党委、镇政府", "发：各村（社区）", "（共印30份）"]


def _settings_url(town) -> str:  # type: ignore[no-untyped-def]
    return reverse("briefings:settings", args=[town.pk])


def _save_draft(client, town) -> BriefingDraft:  # type: ignore[no-untyped-def]
    response = client.post(reverse("briefings:draft_create"), {"unit": town.pk})
    assert response.status_code == 302
    return BriefingDraft.objects.order_by("-id")[0]


# ——— issue numbers ———


def test_each_saved_briefing_takes_the_towns_next_number_of_the_year(town, client_as):
    client = client_as("banshi")
    first, second = _save_draft(client, town), _save_draft(client, town)
    today = timezone.localdate()

    assert (first.issue_year, first.issue_number, first.issued_on) == (today.year, 1, today)
    assert (second.issue_year, second.issue_number) == (today.year, 2)
    event = AuditEvent.objects.filter(action=AuditAction.BRIEFING_DRAFT_SAVED).order_by("-id")[0]
    assert event.details["issue"] == f"{today.year}-2"


def test_a_new_year_starts_again_at_the_first_issue(town, client_as):
    client = client_as("banshi")
    old = _save_draft(client, town)
    BriefingDraft.objects.filter(pk=old.pk).update(issue_year=old.issue_year - 1, issue_number=7)

    assert _save_draft(client, town).issue_number == 1


def test_regenerating_keeps_the_number_and_two_issues_never_share_one(town, client_as):
    client = client_as("banshi")
    draft = _save_draft(client, town)
    client.post(reverse("briefings:draft_regenerate", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.issue_number == 1

    # The backstop of concurrent saves: the database refuses a second 第1期 of the same year.
    with pytest.raises(IntegrityError), transaction.atomic():
        BriefingDraft.objects.create(
            unit=town,
            title="另一期",
            sections=[],
            generated_at=timezone.now(),
            created_by=draft.created_by,
            issue_year=draft.issue_year,
            issue_number=1,
            issued_on=draft.issued_on,
        )


# ——— settings: who may change them ———


def test_office_staff_sets_the_masthead_and_closing_lines_with_an_audit_event(town, client_as):
    client = client_as("banshi")
    assert client.get(_settings_url(town)).status_code == 200

    response = client.post(_settings_url(town), SETTINGS)

    assert response.status_code == 302
    saved = BriefingSettings.objects.get(unit=town)
    assert (saved.issuing_unit, saved.copies) == ("港西镇扫黑办", 30)
    event = AuditEvent.objects.get(action=AuditAction.BRIEFING_SETTINGS_CHANGED)
    assert event.actor_username == "banshi"
    assert event.details["changed"] == [
        "copies",
        "copy_to",
        "distribute_to",
        "issuing_unit",
        "report_to",
    ]


def test_the_leader_may_change_the_settings_too(town, client_as):
    assert client_as("shuji").post(_settings_url(town), SETTINGS).status_code == 302


@pytest.mark.parametrize("username", ["fushuji", "jiaodaoyuan", "shiban", "cun01", "minjing"])
def test_other_roles_may_not_change_the_settings(town, client_as, username):
    client = client_as(username)

    assert client.get(_settings_url(town)).status_code == 403
    assert client.post(_settings_url(town), SETTINGS).status_code == 403
    assert not BriefingSettings.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.BRIEFING_SETTINGS_CHANGED).exists()


def test_the_service_refuses_a_deputy_leader(town):
    with pytest.raises(ActionNotAllowed):
        services.update_briefing_settings(
            actor=User.objects.get(username="fushuji"),
            unit=town,
            data=services.BriefingSettingsInput(
                issuing_unit="港西镇扫黑办",
                report_to="",
                copy_to="",
                distribute_to="",
                copies=None,
            ),
        )
    assert not BriefingSettings.objects.exists()


def test_another_towns_settings_are_not_found_and_anonymous_visitors_sign_in(
    town, foreign_town, client_as, client
):
    assert client_as("banshi").get(_settings_url(foreign_town)).status_code == 404
    response = client.get(_settings_url(town))
    assert response.status_code == 302
    assert "/login" in response["Location"] or "accounts" in response["Location"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("copies", "三十", "共印份数应为整数"),
        ("copies", "0", "共印份数至少为 1"),
        ("issuing_unit", "", "请填写编发单位"),
    ],
)
def test_bad_settings_are_refused_beside_the_field(town, client_as, field, value, message):
    response = client_as("banshi").post(_settings_url(town), {**SETTINGS, field: value})

    assert response.status_code == 200
    assert message in response.context["form"].errors[field][0]
    assert not BriefingSettings.objects.exists()


# ——— what the documents print ———


def test_the_page_shows_masthead_period_and_closing(town, client_as):
    client = client_as("banshi")
    client.post(_settings_url(town), SETTINGS)

    html = client.get(reverse("briefings:index"), {"unit": town.pk}).content.decode()

    today = chinese_date(timezone.localdate())
    masthead = html.split('data-testid="masthead"')[1].split("</header>")[0]
    assert "工作简报" in masthead and "第　　期" in masthead
    assert "港西镇扫黑办" in masthead and today in masthead
    assert f"（截至{today}）" in html
    closing = html.split('data-testid="closing"')[1].split("</footer>")[0]
    assert all(line in closing for line in CLOSING)


def test_the_word_file_of_an_issue_has_masthead_period_and_closing(town, client_as):
    client = client_as("banshi")
    client.post(_settings_url(town), SETTINGS)
    draft = _save_draft(client, town)

    response = client.get(reverse("briefings:draft_export", args=[draft.pk, "docx"]))

    texts = [p.text for p in Document(io.BytesIO(response.content)).paragraphs if p.text]
    today = chinese_date(timezone.localdate())
    assert texts[:3] == ["工作简报", "第1期", f"港西镇扫黑办\t{today}"]
    assert f"（截至{today}）" in texts
    assert texts[-4:] == CLOSING


def test_the_pdf_of_an_issue_has_masthead_period_and_closing(town, client_as):
    client = client_as("banshi")
    client.post(_settings_url(town), SETTINGS)
    _save_draft(client, town)
    draft = _save_draft(client, town)

    response = client.get(reverse("briefings:draft_export", args=[draft.pk, "pdf"]))

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    flat = text.replace("\n", "").replace(" ", "")
    today = chinese_date(timezone.localdate())
    assert "工作简报" in flat and "第2期" in flat
    assert "港西镇扫黑办" in flat and today in flat
    assert f"（截至{today}）" in flat
    for line in CLOSING:
        assert line in flat, line


def test_an_issue_keeps_the_imprint_it_was_saved_with(town, client_as):
    client = client_as("banshi")
    client.post(_settings_url(town), SETTINGS)
    draft = _save_draft(client, town)
    client.post(_settings_url(town), {**SETTINGS, "copies": "50"})

    exported = client.get(reverse("briefings:draft_export", args=[draft.pk, "docx"]))
    texts = [p.text for p in Document(io.BytesIO(exported.content)).paragraphs]
    assert "（共印30份）" in texts

    client.post(reverse("briefings:draft_regenerate", args=[draft.pk]))
    exported = client.get(reverse("briefings:draft_export", args=[draft.pk, "docx"]))
    texts = [p.text for p in Document(io.BytesIO(exported.content)).paragraphs]
    assert "（共印50份）" in texts


@pytest.mark.django_db(transaction=True)
def test_two_offices_saving_at_once_take_two_numbers(monkeypatch):
    # Both saves compute their number and then pause: without the town's row locked they would
    # both read "no issue yet" and take 第1期; with it, the second waits for the first to commit.
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises writers at BEGIN")
    load_demo_town(with_history=False)
    town = Unit.objects.get(name="港西镇")
    numbering = services._next_issue_number

    def slow_numbering(unit, year):  # type: ignore[no-untyped-def]
        number = numbering(unit, year)
        time.sleep(0.5)
        return number

    monkeypatch.setattr(services, "_next_issue_number", slow_numbering)
    errors: list[Exception] = []

    def save(username: str) -> None:
        try:
            services.create_draft(
                actor=User.objects.get(username=username), unit=town, date_from=None, date_to=None
            )
        except Exception as error:  # whatever a save raised is the failure to report
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(name,)) for name in ("banshi", "shuji")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors, errors
    numbers = sorted(BriefingDraft.objects.values_list("issue_number", flat=True))
    assert numbers == [1, 2]
