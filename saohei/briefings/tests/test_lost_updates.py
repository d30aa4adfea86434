"""A draft saved on a version someone else has since replaced is refused (decision 0044)."""

import pytest
from django.urls import reverse

from saohei.audit.models import AuditAction, AuditEvent
from saohei.briefings import services
from saohei.briefings.models import BriefingDraft
from saohei.common.errors import ServiceError
from saohei.organisations.models import Unit, User

pytestmark = pytest.mark.django_db

CHANGED = "该简报草稿在您打开之后已被"


def _draft(town: Unit) -> BriefingDraft:
    return services.create_draft(
        actor=User.objects.get(username="banshi"), unit=town, date_from=None, date_to=None
    )


def _saves(draft: BriefingDraft) -> int:
    return AuditEvent.objects.filter(
        action=AuditAction.BRIEFING_DRAFT_SAVED, target_id=str(draft.pk)
    ).count()


def test_a_save_on_a_stale_version_is_refused_and_the_first_save_kept(town: Unit):
    draft = _draft(town)
    stale = BriefingDraft.objects.get(pk=draft.pk)
    services.edit_draft(
        actor=User.objects.get(username="banshi"),
        draft=draft,
        title="第一人的标题",
        texts={"publicity": "第一人写的宣传部分。"},
        version=1,
    )

    with pytest.raises(ServiceError, match=CHANGED) as refused:
        services.edit_draft(
            actor=User.objects.get(username="shuji"),
            draft=stale,
            title="第二人的标题",
            texts={"leads": "第二人写的线索部分。"},
            version=stale.version,
        )

    assert User.objects.get(username="banshi").real_name in refused.value.message
    saved = BriefingDraft.objects.get(pk=draft.pk)
    assert saved.title == "第一人的标题"
    assert (
        next(s for s in saved.sections if s["key"] == "publicity")["text"] == "第一人写的宣传部分。"
    )
    assert saved.version == 2
    assert _saves(draft) == 2  # the creation and the first person's save


def test_a_regeneration_makes_an_open_edit_stale(town: Unit):
    draft = _draft(town)
    services.regenerate_draft(actor=User.objects.get(username="shuji"), draft=draft)

    with pytest.raises(ServiceError, match=CHANGED):
        services.edit_draft(
            actor=User.objects.get(username="banshi"),
            draft=draft,
            title="打开时的标题",
            texts={},
            version=1,
        )
    assert _saves(draft) == 1  # the creation only


def test_the_edit_page_answers_a_stale_post_with_the_message_not_a_redirect(town, client_as):
    draft = _draft(town)
    data = {f"section_{section['key']}": section["text"] for section in draft.sections}
    first, second = client_as("banshi"), client_as("shuji")
    opened = first.get(reverse("briefings:draft", args=[draft.pk]))
    assert 'name="version" value="1"' in opened.content.decode()

    saved = second.post(
        reverse("briefings:draft", args=[draft.pk]), {**data, "title": "先保存的标题", "version": 1}
    )
    assert saved.status_code == 302
    refused = first.post(
        reverse("briefings:draft", args=[draft.pk]), {**data, "title": "后保存的标题", "version": 1}
    )

    assert refused.status_code == 200
    assert CHANGED in refused.content.decode()
    assert BriefingDraft.objects.get(pk=draft.pk).title == "先保存的标题"


def test_a_stale_draft_lists_the_title_and_each_section_that_differs(town, client_as):
    draft = _draft(town)
    data = {f"section_{section['key']}": section["text"] for section in draft.sections}
    first_key = draft.sections[0]["key"]
    url = reverse("briefings:draft", args=[draft.pk])
    client_as("shuji").post(
        url,
        {**data, f"section_{first_key}": "组长改写的导语。", "title": "先保存的标题", "version": 1},
    )

    refused = client_as("banshi").post(url, {**data, "title": "后保存的标题", "version": 1})

    rows = [(row.label, row.saved, row.submitted) for row in refused.context["form"].stale_changes]
    assert rows[0] == ("标题", "先保存的标题", "后保存的标题")
    typed = draft.sections[0]["text"]
    shown = typed if len(typed) <= 80 else f"{typed[:80]}…（共{len(typed)}字）"
    assert rows[1][1:] == ("组长改写的导语。", shown)
    assert len(rows) == 2
