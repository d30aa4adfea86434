"""A talk record saved on a version someone else has since replaced is refused, and a review
already signed is not signed twice (decision 0044)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from saohei.accountability import services
from saohei.accountability.models import Talk, TalkReview
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
