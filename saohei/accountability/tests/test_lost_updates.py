"""A talk record saved on a version someone else has since replaced is refused, and a review
already signed is not signed twice (decision 0044)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from saohei.accountability import services
from saohei.accountability.models import Talk, TalkReview, Topic
from saohei.accountability.tests.conftest import RecordTalk
from saohei.accountability.tests.test_services import edit
from saohei.audit.models import AuditAction, AuditEvent
from saohei.common.errors import ServiceError
from saohei.organisations.models import Unit, User

pytestmark = pytest.mark.django_db


def test_an_edit_on_a_stale_version_is_refused_and_the_first_kept(record_talk: RecordTalk):
    talk = record_talk()
    stale = Talk.objects.get(pk=talk.pk)
    edit(talk, version=talk.version, follow_up="两周内回访")

    with pytest.raises(ServiceError, match="该谈话记录在您打开之后已被"):
        edit(stale, version=stale.version, place="东岛村村委会")

    saved = Talk.objects.get(pk=talk.pk)
    assert (saved.follow_up, saved.place, saved.version) == ("两周内回访", "镇党委会议室", 2)
    assert AuditEvent.objects.filter(action=AuditAction.TALK_EDITED).count() == 1


def test_a_second_review_of_the_same_talks_finds_none(record_talk: RecordTalk, town: Unit):
    record_talk()
    covers_until = timezone.localdate() - timedelta(days=1)
    services.review_talks(
        actor=User.objects.get(username="shuji"),
        unit=town,
        covers_until=covers_until,
        opinion="规范",
    )

    with pytest.raises(ServiceError, match="没有待梳理"):
        services.review_talks(
            actor=User.objects.get(username="fushuji"),
            unit=town,
            covers_until=covers_until,
            opinion="同意",
        )
    assert TalkReview.objects.count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.TALKS_REVIEWED).count() == 1


def _talk_form(talk: Talk, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "talked_on": talk.talked_on.isoformat(),
        "place": talk.place,
        "interviewees": [person.pk for person in talk.interviewees.all()],
        "kind": talk.kind,
        "topics": list(talk.topics),
        "other_topics": talk.other_topics,
        "content": talk.content,
        "follow_up": talk.follow_up,
        "version": talk.version,
    }
    data.update(changes)
    return data


def test_a_stale_talk_edit_page_shows_what_changed_and_keeps_what_was_typed(
    record_talk: RecordTalk, client_as
):
    talk = record_talk()
    url = reverse("accountability:edit", args=[talk.pk])
    first = client_as("banshi").post(url, _talk_form(talk, follow_up="两周内回访"))
    assert first.status_code == 302

    refused = client_as("shuji").post(
        url, _talk_form(talk, place="东岛村村委会", topics=[Topic.FOUNDATION])
    )

    assert refused.status_code == 400
    rows = [(row.label, row.saved, row.submitted) for row in refused.context["form"].stale_changes]
    labels = dict(Topic.choices)
    assert rows == [
        ("谈话地点", "镇党委会议室", "东岛村村委会"),
        (
            "谈话主题",
            "、".join(labels[topic] for topic in talk.topics),
            labels[Topic.FOUNDATION],
        ),
        ("后续跟进", "两周内回访", "（空）"),
    ]
    page = refused.content.decode()
    assert 'value="东岛村村委会"' in page and 'name="version" value="2"' in page
    assert Talk.objects.get(pk=talk.pk).place == "镇党委会议室"
