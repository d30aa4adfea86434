"""The rules of tips: submission, the receipt, follow-up, intake decisions, and the audit trail."""

from collections.abc import Callable

import pytest
from django.utils import timezone

from saohei.audit.models import AuditAction, AuditEvent
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.leads import services as lead_services
from saohei.leads.models import Attachment, Channel, DictionaryEntry, Source, SubjectRole
from saohei.leads.services import ReporterInput
from saohei.notifications.models import Notification
from saohei.organisations.models import Unit, User
from saohei.tips import queries, services
from saohei.tips.models import ReporterStatus, Tip, TipAttachment, TipMessage, TipStatus
from saohei.tips.receipts import clean_receipt, receipt_digest
from saohei.tips.services import PersonInput, SubmittedTip
from saohei.tips.tests.conftest import PDF, PNG, checked, tables_containing, upload
from saohei.vault.models import ReporterIdentity

pytestmark = pytest.mark.django_db
Submit = Callable[..., SubmittedTip]


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _nothing_written(before: int) -> bool:
    return (
        not Tip.objects.exists()
        and not ReporterIdentity.objects.exists()
        and not TipAttachment.objects.exists()
        and AuditEvent.objects.count() == before
    )


def test_anonymous_tip_gets_a_receipt_that_is_stored_only_as_a_digest(submit: Submit) -> None:
    submitted = submit(attachments=checked())
    tip = submitted.tip
    assert len(submitted.receipt) == 16 and submitted.receipt.isdigit()
    assert tip.receipt_digest == receipt_digest(submitted.receipt)
    assert tip.status == TipStatus.PENDING
    assert not tip.is_real_name and tip.reporter_reference == ""
    assert not ReporterIdentity.objects.exists()
    attachment = tip.attachments.get()
    assert attachment.file.name == f"tips/{tip.pk}/{attachment.sha256}"
    assert tables_containing(submitted.receipt) == []


def test_submission_is_audited_without_address_actor_or_identity(submit: Submit) -> None:
    submitted = submit(reporter=ReporterInput(name="王举报", phone="13912345678"))
    event = AuditEvent.objects.get(action=AuditAction.TIP_SUBMITTED)
    assert event.ip_address is None and event.actor is None
    assert event.target_label == f"网络举报 #{submitted.tip.pk}"
    assert "王举报" not in str(event.details) and "13912345678" not in str(event.details)


def test_real_name_identity_goes_only_to_the_vault(submit: Submit) -> None:
    submitted = submit(
        reporter=ReporterInput(name="王举报", phone="139 1234 5678", id_number="11010519491231002X")
    )
    tip = submitted.tip
    identity = ReporterIdentity.objects.get()
    assert tip.reporter_reference == identity.reference and tip.is_real_name
    assert not identity.is_anonymous
    for secret in ("王举报", "13912345678", "11010519491231002X"):
        assert tables_containing(secret) == [], secret


@pytest.mark.parametrize(
    ("reporter", "message"),
    [
        (ReporterInput(name="王举报"), "姓名和联系电话"),
        (ReporterInput(name="王举报", phone="12345"), "手机号"),
        (
            ReporterInput(name="王举报", phone="13912345678", id_number="110105194912310021"),
            "校验位",
        ),
    ],
)
def test_bad_real_name_details_are_refused_and_nothing_written(
    submit: Submit, reporter: ReporterInput, message: str
) -> None:
    before = AuditEvent.objects.count()
    with pytest.raises(ServiceError, match=message):
        submit(reporter=reporter)
    assert _nothing_written(before)


def test_a_tip_needs_the_matter_itself(submit: Submit) -> None:
    with pytest.raises(ServiceError, match="主要问题"):
        submit(content="有人收钱")


def test_a_village_outside_the_town_is_refused(submit: Submit) -> None:
    police = Unit.objects.get(name="港西派出所")
    with pytest.raises(ServiceError, match="不在该镇"):
        submit(village=police)
    with pytest.raises(ServiceError, match="不在该镇"):
        submit(persons=[PersonInput(name="甲", village=police)])
    assert not Tip.objects.exists()


def test_naming_an_official_restricts_the_tip_to_leaders(submit: Submit, village: Unit) -> None:
    plain = submit(persons=[PersonInput(name="龙某", village=village), PersonInput()]).tip
    assert not plain.concerns_officials and plain.persons.count() == 1
    with_position = submit(persons=[PersonInput(name="某所长", position="某站所长")]).tip
    assert with_position.concerns_officials
    # A position without saying cadre or official is read the protective way.
    assert with_position.persons.get().role == SubjectRole.OFFICIAL
    cadre = submit(
        persons=[PersonInput(name="某书记", role=SubjectRole.VILLAGE_CADRE, village=village)]
    ).tip
    assert cadre.concerns_officials
    ticked = submit(involves_official=True).tip
    assert ticked.concerns_officials


def test_new_tips_notify_the_clerk_and_official_ones_only_the_leaders(submit: Submit) -> None:
    plain = submit().tip
    assert Notification.objects.filter(recipient__username="banshi", url=f"/tips/{plain.pk}/")
    assert not Notification.objects.filter(recipient__username="shuji", url=f"/tips/{plain.pk}/")
    official = submit(involves_official=True).tip
    recipients = set(
        Notification.objects.filter(url=f"/tips/{official.pk}/").values_list(
            "recipient__username", flat=True
        )
    )
    assert recipients == {"shuji", "zhenzhang", "fushuji", "jiaodaoyuan"}


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"<html><script>alert(1)</script></html>", "照片.jpg", "类型不受支持"),
        (b"PK\x03\x04" + b"\x00" * 40, "材料.pdf", "不是照片、录音或PDF"),
        (b"", "空.png", "空文件"),
    ],
)
def test_disguised_and_empty_files_are_refused(content: bytes, name: str, message: str) -> None:
    with pytest.raises(ServiceError, match=message):
        services.check_tip_uploads([upload(content, name)])


def test_oversized_and_too_many_files_are_refused() -> None:
    big = upload(PNG + b"\x00" * services.MAX_TIP_FILE_BYTES, "大.png")
    with pytest.raises(ServiceError, match="超过 10MB"):
        services.check_tip_uploads([big])
    with pytest.raises(ServiceError, match="最多上传 5 个"):
        services.check_tip_uploads([upload() for _ in range(6)])


def test_receipts_are_found_however_they_are_typed(submit: Submit) -> None:
    submitted = submit()
    receipt = submitted.receipt
    grouped = " ".join(receipt[n : n + 4] for n in range(0, 16, 4))
    full_width = receipt.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    for typed in (receipt, grouped, receipt[:8] + "-" + receipt[8:], full_width):
        assert queries.get_tip_by_receipt(typed) == submitted.tip, typed
    wrong = f"{(int(receipt) + 1) % 10**16:016d}"
    for typed in (wrong, receipt[:15], receipt + "0", "abcd" * 4, ""):
        assert queries.get_tip_by_receipt(typed) is None, typed
    assert clean_receipt("１２３４ ５６７８ ９０１２ ３４５６") == "1234567890123456"


def test_reporter_follows_up_with_the_receipt(submit: Submit) -> None:
    submitted = submit()
    message = services.follow_up_with_receipt(
        receipt=submitted.receipt, body="补充：车牌号是鲁K开头", attachments=checked(PDF, "a.pdf")
    )
    assert message.is_from_reporter and message.author is None
    assert message.attachments.get().content_type == "application/pdf"
    tip = Tip.objects.get()
    assert tip.awaits_office_reply
    event = AuditEvent.objects.get(action=AuditAction.TIP_FOLLOWED_UP)
    assert event.ip_address is None and event.actor is None


def test_follow_up_with_a_wrong_receipt_says_nothing_about_the_tips(submit: Submit) -> None:
    submitted = submit()
    wrong = f"{(int(submitted.receipt) + 7) % 10**16:016d}"
    with pytest.raises(ServiceError) as refused:
        services.follow_up_with_receipt(receipt=wrong, body="补充")
    assert refused.value.message == services.WRONG_RECEIPT_MESSAGE
    with pytest.raises(ServiceError, match="补充内容"):
        services.follow_up_with_receipt(receipt=submitted.receipt, body="  ")
    assert not TipMessage.objects.exists()


def test_accepting_registers_a_lead_with_the_tips_content(submit: Submit, village: Unit) -> None:
    category = DictionaryEntry.objects.get(name="欺行霸市、强买强卖、收保护费")
    submitted = submit(
        category=category,
        village=village,
        place="村口",
        occurred_when="去年冬天",
        persons=[PersonInput(name="龙某", alias="龙三", village=village, description="开黑色货车")],
        reporter=ReporterInput(name="王举报", phone="13912345678"),
        attachments=checked(),
    )
    lead = services.accept_tip(actor=_user("banshi"), tip=submitted.tip)
    tip = Tip.objects.get()
    assert tip.status == TipStatus.ACCEPTED and tip.lead == lead
    assert (lead.source, lead.channel) == (Source.PUBLIC_REPORT, Channel.ONLINE)
    assert lead.received_at == tip.submitted_at
    assert (lead.village, lead.target_category, lead.place) == (village, category, "村口")
    assert lead.reporter_reference == tip.reporter_reference and lead.is_real_name_report
    assert ReporterIdentity.objects.count() == 1  # pointed at, not copied
    subject = lead.subjects.get()
    assert (subject.name, subject.alias, subject.village) == ("龙某", "龙三", village)
    assert "开黑色货车" in lead.narrative and "去年冬天" in lead.narrative
    copied = Attachment.objects.get(lead=lead)
    assert copied.sha256 == tip.attachments.get().sha256 and copied.file.read() == PNG
    event = AuditEvent.objects.get(action=AuditAction.TIP_ACCEPTED)
    assert event.details == {"lead": lead.number} and event.actor == _user("banshi")
    with pytest.raises(ServiceError, match="不能受理"):
        services.accept_tip(actor=_user("banshi"), tip=tip)


def test_accepting_copies_the_official_flag_and_roles(submit: Submit) -> None:
    submitted = submit(
        involves_official=True, persons=[PersonInput(name="某所长", position="某所所长")]
    )
    lead = services.accept_tip(actor=_user("shuji"), tip=submitted.tip, summary="反映某所长包庇")
    assert lead.involves_official and lead.summary == "反映某所长包庇"
    assert lead.subjects.get().role == SubjectRole.OFFICIAL


def test_office_staff_cannot_handle_a_tip_about_officials(submit: Submit) -> None:
    tip = submit(involves_official=True).tip
    before = AuditEvent.objects.count()
    for action in (
        lambda: services.accept_tip(actor=_user("banshi"), tip=tip),
        lambda: services.mark_spam(actor=_user("banshi"), tip=tip, reason="广告"),
        lambda: services.send_message_to_reporter(actor=_user("banshi"), tip=tip, body="请补充"),
    ):
        with pytest.raises(ActionNotAllowed):
            action()
    assert AuditEvent.objects.count() == before
    assert Tip.objects.get().status == TipStatus.PENDING


@pytest.mark.parametrize("username", ["cun01", "minjing", "shiban", "baoguan", "xitong"])
def test_only_the_office_and_leaders_handle_tips(submit: Submit, username: str) -> None:
    tip = submit().tip
    with pytest.raises(ActionNotAllowed):
        services.accept_tip(actor=_user(username), tip=tip)
    with pytest.raises(ActionNotAllowed):
        services.send_message_to_reporter(actor=_user(username), tip=tip, body="你好")


def test_spam_is_kept_out_of_the_queue_and_can_be_restored(submit: Submit) -> None:
    tip = submit().tip
    office = _user("banshi")
    with pytest.raises(ServiceError, match="理由"):
        services.mark_spam(actor=office, tip=tip, reason=" ")
    tip = services.mark_spam(actor=office, tip=tip, reason="广告内容")
    assert tip.status == TipStatus.SPAM and tip.spam_reason == "广告内容"
    assert tip.reporter_status == ReporterStatus.RECEIVED  # the reporter is not told
    with pytest.raises(ServiceError, match="不能受理"):
        services.accept_tip(actor=office, tip=tip)
    with pytest.raises(ServiceError, match="待受理"):
        services.mark_spam(actor=office, tip=tip, reason="再次")
    tip = services.restore_from_spam(actor=office, tip=tip)
    assert tip.status == TipStatus.PENDING and tip.spam_reason == ""
    with pytest.raises(ServiceError, match="垃圾信息中"):
        services.restore_from_spam(actor=office, tip=tip)
    actions = list(
        AuditEvent.objects.filter(target_type="tips.tip")
        .order_by("sequence")
        .values_list("action", flat=True)
    )
    assert actions == [
        AuditAction.TIP_SUBMITTED,
        AuditAction.TIP_MARKED_SPAM,
        AuditAction.TIP_RESTORED,
    ]


def test_messages_to_the_reporter_keep_the_author_for_the_office(submit: Submit) -> None:
    tip = submit().tip
    message = services.send_message_to_reporter(
        actor=_user("banshi"), tip=tip, body="请补充事发的具体日期"
    )
    assert message.author == _user("banshi") and not message.is_from_reporter
    assert not Tip.objects.get().awaits_office_reply
    event = AuditEvent.objects.get(action=AuditAction.TIP_MESSAGE_SENT)
    assert event.details == {"message_id": message.pk}
    with pytest.raises(ServiceError, match="留言内容"):
        services.send_message_to_reporter(actor=_user("banshi"), tip=tip, body="")


def test_the_reporter_sees_the_leads_progress(submit: Submit, town: Unit) -> None:
    tip = submit().tip
    assert tip.reporter_status == ReporterStatus.RECEIVED
    office, leader = _user("banshi"), _user("shuji")
    lead = services.accept_tip(actor=office, tip=tip)
    assert Tip.objects.get().reporter_status == ReporterStatus.ACCEPTED
    lead_services.assign_lead(actor=office, lead=lead, handling_unit=town, handler=office)
    assert Tip.objects.get().reporter_status == ReporterStatus.INVESTIGATING
    lead_services.record_investigation(
        actor=office, lead=lead, occurred_on=timezone.localdate(), content="走访了五户村民"
    )
    lead_services.propose_conclusion(
        actor=office, lead=lead, conclusion="excluded", basis="经走访核实，系个人讨债，排除涉黑涉恶"
    )
    assert Tip.objects.get().reporter_status == ReporterStatus.INVESTIGATING
    lead_services.sign_off(actor=leader, lead=lead, approve=True)
    assert Tip.objects.get().reporter_status == ReporterStatus.CONCLUDED


def test_each_tip_takes_a_bounded_number_of_files(submit: Submit) -> None:
    submitted = submit(attachments=checked())
    for _ in range(services.MAX_FILES_PER_TIP // services.MAX_TIP_FILES):
        try:
            services.follow_up_with_receipt(
                receipt=submitted.receipt,
                body="",
                attachments=services.check_tip_uploads([upload() for _ in range(5)]),
            )
        except ServiceError as refused:
            assert "最多接收" in refused.message
            break
    else:
        pytest.fail("the per-tip limit never applied")
    assert TipAttachment.objects.count() <= services.MAX_FILES_PER_TIP
