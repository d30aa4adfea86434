from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from saohei.audit.models import AuditAction, AuditEvent
from saohei.city_assignments import services
from saohei.city_assignments.models import AssignedTown, CityAssignment, Progress
from saohei.city_assignments.queries import summarise
from saohei.city_assignments.tests.conftest import assign, conclude_and_feed_back
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.leads.access import visible_leads
from saohei.leads.models import Lead, LeadEvent, LeadEventKind, Source, Status
from saohei.notifications.models import Notification
from saohei.organisations.models import Unit, User

pytestmark = pytest.mark.django_db

Assigned = Callable[..., CityAssignment]


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _counts() -> tuple[int, int, int]:
    return CityAssignment.objects.count(), AssignedTown.objects.count(), Lead.objects.count()


def _row(assignment: CityAssignment, town: Unit) -> AssignedTown:
    return assignment.towns.select_related("assignment__city", "lead").get(town=town)


class TestAssign:
    def test_one_lead_is_registered_in_each_chosen_town(
        self, city: Unit, town: Unit, other_town: Unit
    ) -> None:
        deadline = timezone.localdate() + timedelta(days=20)
        assignment = assign(city, [town, other_town], deadline=deadline, subject_name="于某")

        leads = [row.lead for row in assignment.towns.select_related("lead", "town")]
        assert [lead.unit for lead in leads] == [town, other_town]
        year = timezone.localdate().year
        assert assignment.number == f"RC-JB-{year}-001"
        for lead in leads:
            assert lead.source == Source.UPPER_ASSIGNED
            assert lead.upstream_office == "荣成市扫黑办"
            assert lead.upstream_reference == assignment.number
            # The city's deadline is the lead's 上级要求办结日期, and so its 办理时限.
            assert lead.upstream_deadline == deadline and lead.due_on == deadline
            assert lead.status == Status.REGISTERED
            assert "请认真核查" in lead.narrative
            assert [subject.name for subject in lead.subjects.all()] == ["于某"]
        assert AuditEvent.objects.filter(action=AuditAction.CITY_ASSIGNED).count() == 1

    def test_each_towns_office_is_told_and_sees_only_its_own_lead(
        self, city: Unit, town: Unit, other_town: Unit
    ) -> None:
        assignment = assign(city, [town, other_town])
        own, other = _row(assignment, town).lead, _row(assignment, other_town).lead

        for username, lead, not_lead in (("banshi", own, other), ("llbanshi", other, own)):
            notice = Notification.objects.get(recipient__username=username)
            assert notice.url == f"/leads/{lead.pk}/"
            assert "强占" not in notice.title + notice.body  # the label, never the content
            assert visible_leads(_user(username)).filter(pk=lead.pk).exists()
            assert not visible_leads(_user(username)).filter(pk=not_lead.pk).exists()

    def test_a_typed_number_is_kept_and_never_used_twice(self, city: Unit, town: Unit) -> None:
        assign(city, [town], number="鲁扫黑办〔2026〕12号", source=Source.PLATFORM_12337)
        before = _counts()

        with pytest.raises(ServiceError, match="已经使用过"):
            assign(city, [town], number="鲁扫黑办〔2026〕12号")

        assert _counts() == before
        assert Lead.objects.get().source == Source.PLATFORM_12337

    @pytest.mark.parametrize(
        ("overrides", "message"),
        [
            ({"towns": []}, "至少一个镇"),
            ({"summary": "  "}, "问题内容"),
            ({"instruction": ""}, "交办意见"),
            ({"deadline": timezone.localdate() - timedelta(days=1)}, "不能早于今天"),
            ({"source": Source.SELF_FOUND}, "来源"),
            ({"subject_name": "名" * 51}, "被反映人"),
        ],
    )
    def test_bad_input_writes_nothing(
        self, city: Unit, town: Unit, overrides: dict[str, object], message: str
    ) -> None:
        with pytest.raises(ServiceError, match=message):
            assign(city, overrides.pop("towns", [town]), **overrides)  # type: ignore[arg-type]
        assert _counts() == (0, 0, 0)

    def test_a_town_of_another_city_is_refused(self, city: Unit, other_city: Unit) -> None:
        with pytest.raises(ServiceError, match="本市所辖"):
            assign(city, [Unit.objects.get(name="文登营镇")])
        assert _counts() == (0, 0, 0)

    @pytest.mark.parametrize("username", ["banshi", "shuji", "cun01", "minjing", "wdshiban"])
    def test_only_a_supervisor_of_the_city_assigns(
        self, city: Unit, town: Unit, other_city: Unit, username: str
    ) -> None:
        with pytest.raises(ActionNotAllowed):
            assign(city, [town], actor=_user(username))
        assert _counts() == (0, 0, 0)


class TestJudge:
    def test_return_sends_the_lead_back_then_a_new_feedback_is_accepted(
        self, assigned: Assigned, town: Unit
    ) -> None:
        assignment = assigned()
        row = _row(assignment, town)
        shiban = _user("shiban")
        assert summarise(shiban, assignment).towns[0].progress == Progress.WAITING
        conclude_and_feed_back(row.lead)
        assert summarise(shiban, assignment).towns[0].progress == Progress.SUBMITTED

        services.return_feedback(actor=shiban, row=row, reason="未写明走访对象，请补充核查")

        lead = Lead.objects.get(pk=row.lead_id)
        assert lead.status == Status.INVESTIGATING
        assert lead.fed_back_at is None and lead.concluded_at is None and not lead.conclusion
        event = LeadEvent.objects.filter(lead=lead).last()
        assert event is not None and event.kind == LeadEventKind.FEEDBACK_RETURNED
        assert event.note.startswith("新的反馈期限 ")
        assert event.note.endswith("。未写明走访对象，请补充核查")
        notice = Notification.objects.filter(recipient__username="banshi").latest("id")
        assert "退回重查" in notice.title and "走访" not in notice.title + notice.body
        summary = summarise(shiban, assignment)
        assert summary.towns[0].progress == Progress.RETURNED and summary.returned == 1
        assert AuditEvent.objects.filter(action=AuditAction.CITY_FEEDBACK_RETURNED).exists()
        assert AuditEvent.objects.filter(action=AuditAction.LEAD_FEEDBACK_RETURNED).exists()

        conclude_and_feed_back(lead, content="补充走访村民八户，问题部分属实，已整改")
        assert summarise(shiban, assignment).towns[0].progress == Progress.SUBMITTED

        services.accept_feedback(actor=shiban, row=_row(assignment, town))

        summary = summarise(shiban, assignment)
        assert summary.towns[0].progress == Progress.ACCEPTED and summary.accepted == 1
        assert summary.towns[0].feedback is not None
        assert summary.towns[0].feedback.content.startswith("补充走访")
        assert LeadEvent.objects.filter(lead=lead, kind=LeadEventKind.FEEDBACK_ACCEPTED).exists()
        assert AuditEvent.objects.filter(action=AuditAction.CITY_FEEDBACK_ACCEPTED).exists()

    def test_nothing_to_judge_before_a_feedback_or_after_a_verdict(
        self, assigned: Assigned, town: Unit
    ) -> None:
        assignment = assigned()
        shiban = _user("shiban")
        with pytest.raises(ServiceError, match="没有待审核的反馈"):
            services.accept_feedback(actor=shiban, row=_row(assignment, town))
        conclude_and_feed_back(_row(assignment, town).lead)
        services.accept_feedback(actor=shiban, row=_row(assignment, town))
        with pytest.raises(ServiceError, match="没有待审核的反馈"):
            services.return_feedback(
                actor=shiban, row=_row(assignment, town), reason="再查一遍看看"
            )
        assert Lead.objects.get().status == Status.CONCLUDED

    def test_a_return_needs_a_reason(self, assigned: Assigned, town: Unit) -> None:
        assignment = assigned()
        conclude_and_feed_back(_row(assignment, town).lead)
        with pytest.raises(ServiceError, match="退回理由"):
            services.return_feedback(actor=_user("shiban"), row=_row(assignment, town), reason=" ")
        assert Lead.objects.get().status == Status.CONCLUDED
        assert _row(assignment, town).verdict == ""

    @pytest.mark.parametrize("username", ["banshi", "shuji", "cun01", "minjing", "wdshiban"])
    def test_only_the_citys_supervisors_judge(
        self, assigned: Assigned, town: Unit, other_city: Unit, username: str
    ) -> None:
        assignment = assigned()
        conclude_and_feed_back(_row(assignment, town).lead)
        with pytest.raises(ActionNotAllowed):
            services.accept_feedback(actor=_user(username), row=_row(assignment, town))
        with pytest.raises(ActionNotAllowed):
            services.return_feedback(
                actor=_user(username), row=_row(assignment, town), reason="理由写得很充分"
            )
        assert _row(assignment, town).verdict == ""

    def test_overdue_counts_the_towns_that_still_owe_a_feedback(
        self, assigned: Assigned, town: Unit, other_town: Unit
    ) -> None:
        assignment = assigned(towns=[town, other_town])
        yesterday = timezone.localdate() - timedelta(days=1)
        Lead.objects.update(due_on=yesterday)
        conclude_and_feed_back(_row(assignment, other_town).lead)

        summary = summarise(_user("shiban"), assignment)

        assert [town.is_overdue for town in summary.towns] == [True, False]
        assert summary.overdue == 1 and summary.submitted == 1


class TestOfficialsLead:
    """A lead about an official keeps its leader-only visibility on both levels."""

    def test_the_town_sees_it_only_with_its_leaders(self, assigned: Assigned, town: Unit) -> None:
        lead = _row(assigned(involves_official=True), town).lead
        assert not visible_leads(_user("banshi")).filter(pk=lead.pk).exists()
        assert visible_leads(_user("shuji")).filter(pk=lead.pk).exists()
        assert not Notification.objects.filter(recipient__username="banshi").exists()
        assert Notification.objects.filter(recipient__username="shuji").exists()

    def test_another_supervisor_of_the_city_sees_progress_but_no_content(
        self, assigned: Assigned, town: Unit, second_supervisor: User
    ) -> None:
        assignment = assigned(involves_official=True)
        conclude_and_feed_back(_row(assignment, town).lead)

        own = summarise(_user("shiban"), assignment)
        other = summarise(second_supervisor, assignment)

        assert own.readable and own.towns[0].readable and own.towns[0].feedback is not None
        assert not other.readable and not other.towns[0].readable
        assert other.towns[0].feedback is None
        assert other.towns[0].progress == Progress.SUBMITTED
        with pytest.raises(ActionNotAllowed, match="公职人员"):
            services.accept_feedback(actor=second_supervisor, row=_row(assignment, town))

    def test_a_lead_the_town_finds_to_be_about_an_official_is_withheld_too(
        self, assigned: Assigned, town: Unit, second_supervisor: User
    ) -> None:
        assignment = assigned()
        Lead.objects.update(involves_official=True)
        assert summarise(second_supervisor, assignment).readable
        assert not summarise(second_supervisor, assignment).towns[0].readable
        assert summarise(_user("shiban"), assignment).towns[0].readable
