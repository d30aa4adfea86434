"""Work that waits reaches the person it waits for (issue 11, decision 0015)."""

from collections.abc import Callable

from django.test import Client

from saohei.leads import services
from saohei.leads.models import Lead
from saohei.leads.tests.conftest import advance
from saohei.notifications.models import Notification, NotificationKind
from saohei.organisations.models import Unit, User

ClientAs = Callable[[str], Client]
LIUSHUZHUANG = "柳树庄村"


def user(username: str) -> User:
    return User.objects.get(username=username)


def liushuzhuang() -> Unit:
    return Unit.objects.get(name=LIUSHUZHUANG)


def test_leader_is_told_and_sees_the_lead_waiting_for_his_sign_off(
    client_as: ClientAs, register: Callable[..., Lead]
) -> None:
    lead = advance(register(), "proposed", village=liushuzhuang())

    notice = Notification.objects.get(recipient=user("shuji"))
    assert lead.number in notice.title and LIUSHUZHUANG in notice.title
    assert notice.url == f"/leads/{lead.pk}/"
    shuji = client_as("shuji")
    home = shuji.get("/").content.decode()
    assert 'data-testid="notification-badge"' in home
    waiting = home.split('data-testid="waiting"')[1].split("</section>")[0]
    assert "待审核办结 1" in waiting and lead.number in waiting
    assert lead.number in shuji.get("/notifications/").content.decode()


def test_the_proposer_is_not_asked_to_sign_off_his_own_proposal(
    register: Callable[..., Lead],
) -> None:
    lead = register()
    services.assign_lead(
        actor=user("shuji"), lead=lead, handling_unit=lead.unit, handler=user("shuji")
    )
    services.record_investigation(
        actor=user("shuji"), lead=lead, occurred_on=lead.received_at.date(), content="走访核实五户"
    )
    services.propose_conclusion(
        actor=user("shuji"), lead=lead, conclusion="excluded", basis="经走访核实，排除涉黑涉恶可能"
    )

    told = Notification.objects.filter(title__startswith="拟办结")
    assert not told.filter(recipient=user("shuji")).exists()
    assert told.filter(recipient=user("zhenzhang")).exists()


def test_instruction_reaches_the_handling_villages_head_and_says_who_received_it(
    client_as: ClientAs, register: Callable[..., Lead]
) -> None:
    lead = advance(register(), "investigating", village=liushuzhuang())

    response = client_as("shuji").post(
        f"/leads/{lead.pk}/instruct/", {"instruction-text": "请柳树庄村配合走访"}, follow=True
    )

    village_head = user("cun14")
    notice = Notification.objects.get(recipient=village_head, kind=NotificationKind.INSTRUCTION)
    assert lead.number in notice.title and LIUSHUZHUANG in notice.title
    assert (
        Notification.objects.filter(recipient=user("banshi"))
        .filter(kind=NotificationKind.INSTRUCTION)
        .count()
        == 1
    )
    page = response.content.decode()
    assert "批示已送达" in page and village_head.real_name in page


def test_instruction_on_a_lead_about_an_official_stays_with_the_leaders(
    register: Callable[..., Lead],
) -> None:
    lead = register(involves_official=True)
    services.assign_lead(
        actor=user("shuji"), lead=lead, handling_unit=lead.unit, handler=user("zhenzhang")
    )

    services.give_instruction(actor=user("shuji"), lead=lead, content="务必查清")

    told = {n.recipient.username for n in Notification.objects.filter(kind="instruction")}
    assert told == {"zhenzhang"}


def test_one_assignment_is_one_notice_for_a_head_who_is_also_the_handler(
    register: Callable[..., Lead],
) -> None:
    lead = register()

    services.assign_lead(
        actor=user("banshi"), lead=lead, handling_unit=liushuzhuang(), handler=user("cun14")
    )

    notices = Notification.objects.filter(recipient=user("cun14"))
    assert notices.count() == 1
    assert lead.number in notices.get().title and LIUSHUZHUANG in notices.get().title
