"""The link chart: nodes and links built from the appearances the viewer may see, two hops out,
bounded by the limit and the date window; the pages' access rules and their no-script tables."""

import json
from collections.abc import Callable
from datetime import date, timedelta
from html import unescape

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from saohei.analysis.changes import refresh_pending
from saohei.analysis.chart import Chart, chart_for
from saohei.analysis.models import AnalysisSettings, Appearance, IdentifierExclusion, Person
from saohei.analysis.tests.registry_helpers import P, id_number, make_case, mobile
from saohei.cases.models import Case, CasePerson
from saohei.common.pii import blind_index
from saohei.leads import services as lead_services
from saohei.leads.models import Channel, Lead, Source
from saohei.organisations.models import Unit, UnitKind, User
from saohei.organisations.services import build_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(demo: None) -> User:
    return User.objects.get(username="banshi")


def person_of(case: Case, name: str) -> Person:
    source = CasePerson.objects.get(case=case, name=name)
    person = Appearance.objects.get(incident_kind="case", source_id=source.pk).person
    assert person is not None
    return person


def labels(chart: Chart, kind: str | None = None) -> set[str]:
    return {node.label for node in chart.nodes if kind is None or node.kind == kind}


def links(chart: Chart) -> set[tuple[str, str, str]]:
    return {(source.label, relation, target.label) for source, relation, target in chart.link_rows}


def register_lead(
    actor: str, town: Unit, *people: lead_services.SubjectInput, **extra: object
) -> Lead:
    return lead_services.register_lead(
        actor=User.objects.get(username=actor),
        unit=town,
        data=lead_services.LeadInput(
            received_at=timezone.now() - timedelta(hours=1),
            channel=Channel.PHONE,
            source=Source.PUBLIC_REPORT,
            summary="有人在码头强收卸货费",
            subjects=list(people),
            **extra,  # type: ignore[arg-type]
        ),
    )


def test_a_persons_chart_shows_their_incidents_companions_phones_and_plates(
    town: Unit, office: User
) -> None:
    first = make_case(
        town,
        P("张三", "gatherer", id_number=id_number(1), phone=mobile(1), plates=["鲁K12345"]),
        P("李四", "participant"),
        P("周八", "victim"),
    )
    second = make_case(town, P("张三", "organiser", id_number=id_number(1)), P("王五"))
    # Another name given the same mobile and a man with the same plate: linked through them.
    make_case(town, P("赵六", phone=mobile(1)), P("孙七", plates=["鲁K12345"]))
    refresh_pending()
    zhang = person_of(first, "张三")

    chart = chart_for(office, person=zhang.pk)

    assert labels(chart, "person") == {"张三", "李四", "周八", "王五", "赵六", "孙七"}
    assert labels(chart, "case") == {f"寻衅滋事 {first.number}", f"寻衅滋事 {second.number}"}
    assert labels(chart, "phone") == {"139****0001"}
    assert labels(chart, "plate") == {"鲁K12345"}
    assert ("张三", "纠集者", f"寻衅滋事 {first.number}") in links(chart)
    assert ("周八", "被害人", f"寻衅滋事 {first.number}") in links(chart)
    assert ("赵六", "手机号", "139****0001") in links(chart)
    assert ("孙七", "车牌", "鲁K12345") in links(chart)
    # The third case is three hops from 张三 (person → phone → 赵六 → case): not drawn.
    assert len(labels(chart, "case")) == 2
    seed = next(node for node in chart.nodes if node.is_seed)
    assert (seed.label, seed.category, seed.url) == (
        "张三",
        "ringleader",
        f"/analysis/persons/{zhang.pk}/",
    )
    assert {node.category for node in chart.nodes if node.label == "周八"} == {"victim"}
    assert not chart.is_cut and chart.notes == []


def test_the_page_data_carries_no_phone_number_nor_blind_index(town: Unit, office: User) -> None:
    case = make_case(town, P("张三", phone=mobile(7)), P("李四", phone=mobile(7)))
    refresh_pending()
    data = json.dumps(chart_for(office, incidents=[("case", case.pk)]).as_data())
    assert "139****0007" in data
    assert mobile(7) not in data
    assert blind_index("phone", mobile(7)) not in data


def test_a_case_chart_reaches_its_persons_other_incidents_but_not_beyond(
    town: Unit, office: User
) -> None:
    case = make_case(town, P("张三", id_number=id_number(1)))
    other = make_case(town, P("张三", id_number=id_number(1)), P("李四", id_number=id_number(2)))
    beyond = make_case(town, P("李四", id_number=id_number(2)))
    refresh_pending()

    chart = chart_for(office, incidents=[("case", case.pk)])

    assert labels(chart, "person") == {"张三"}
    assert {node.url for node in chart.nodes if node.kind == "case"} == {
        f"/cases/{case.pk}/",
        f"/cases/{other.pk}/",
    }
    assert f"/cases/{beyond.pk}/" not in {node.url for node in chart.nodes}


def test_a_phone_beyond_two_hops_is_drawn_when_it_joins_two_drawn_persons(
    town: Unit, office: User
) -> None:
    first = make_case(town, P("张三"), P("李四", phone=mobile(3)), P("王五", phone=mobile(3)))
    refresh_pending()

    chart = chart_for(office, person=person_of(first, "张三").pk)

    assert labels(chart, "phone") == {"139****0003"}
    assert {(a, b) for a, _, b in links(chart) if b == "139****0003"} == {
        ("李四", "139****0003"),
        ("王五", "139****0003"),
    }


def test_over_shared_and_excluded_phones_are_not_drawn_and_are_counted(
    town: Unit, office: User
) -> None:
    AnalysisSettings.objects.create(identifier_share_cap=2)
    make_case(town, P("张三", phone=mobile(4)), P("李四", phone=mobile(4)))
    case = make_case(town, P("王五", phone=mobile(4)), P("赵六", phone=mobile(5)))
    IdentifierExclusion.objects.create(
        kind="phone", value=blind_index("phone", mobile(5)), reason="村委会电话", created_by=office
    )
    refresh_pending()

    chart = chart_for(office, incidents=[("case", case.pk)])

    assert labels(chart, "phone") == set()
    assert labels(chart, "person") == {"王五", "赵六"}
    assert chart.hidden_identifiers == 2
    assert any("多人共用或已列入排除清单" in note for note in chart.notes)


def test_the_chart_is_cut_to_the_limit_nearest_first_with_a_note(town: Unit, office: User) -> None:
    for number in range(6):
        make_case(
            town,
            P("张三", id_number=id_number(1)),
            *(P(f"同伙{number}{other}") for other in range(3)),
            on=date(2024, 1, 1) + timedelta(days=number),
        )
    refresh_pending()
    zhang = Person.objects.get(name="张三")

    chart = chart_for(office, person=zhang.pk, limit=10)

    assert len(chart.nodes) == 10
    assert chart.nodes[0].label == "张三"
    # All six cases (one hop) come before any companion (two hops).
    assert [node.kind for node in chart.nodes[1:7]] == ["case"] * 6
    assert chart.is_cut and chart.found == 1 + 6 + 18
    assert "共找到 25 个节点，只显示离起点最近的 10 个" in chart.notes[0]
    drawn = {node.id for node in chart.nodes}
    assert all(edge.source in drawn and edge.target in drawn for edge in chart.edges)
    # Cut among the cases themselves, the newest stay.
    newest = chart_for(office, person=zhang.pk, limit=4)
    assert [node.detail.split()[0] for node in newest.nodes[1:]] == [
        "2024-01-06",
        "2024-01-05",
        "2024-01-04",
    ]
    assert newest.stopped_early and "共找到 7 个以上节点" in newest.notes[0]


def test_the_number_of_queries_does_not_grow_with_the_chart(town: Unit, office: User) -> None:
    def add_cases(first: int, count: int) -> None:
        for number in range(first, first + count):
            make_case(
                town,
                P("张三", id_number=id_number(1), plates=["鲁K12345"]),
                *(
                    P(f"同伙{number}{other}", phone=mobile(number * 10 + other))
                    for other in range(3)
                ),
            )
        refresh_pending()

    def queries(cases: int) -> int:
        zhang = Person.objects.get(name="张三")
        with CaptureQueriesContext(connection) as captured:
            chart = chart_for(office, person=zhang.pk)
        assert chart.found == len(chart.nodes) > cases  # the cases and their people are drawn
        return len(captured)

    add_cases(0, 2)
    queries(2)  # the viewer's grants are read once and kept on the user
    small = queries(2)
    add_cases(2, 12)
    assert queries(14) == small


def test_the_date_window_bounds_every_incident_but_the_seed(town: Unit, office: User) -> None:
    old = make_case(town, P("张三", id_number=id_number(1)), on=date(2020, 3, 1))
    recent = make_case(town, P("张三", id_number=id_number(1)), on=date(2024, 3, 1))
    refresh_pending()
    zhang = person_of(old, "张三")

    person_chart = chart_for(office, person=zhang.pk, start=date(2023, 1, 1))
    old_chart = chart_for(office, incidents=[("case", old.pk)], start=date(2023, 1, 1))
    nothing = chart_for(office, person=zhang.pk, end=date(2019, 1, 1))

    assert {node.url for node in person_chart.nodes if node.kind == "case"} == {
        f"/cases/{recent.pk}/"
    }
    assert {node.url for node in old_chart.nodes if node.kind == "case"} == {
        f"/cases/{old.pk}/",
        f"/cases/{recent.pk}/",
    }
    assert [node.label for node in nothing.nodes] == ["张三"]


def test_office_staff_do_not_see_an_officials_lead_which_the_leader_does(town: Unit) -> None:
    case = make_case(town, P("张三", id_number=id_number(1)))
    lead = register_lead(
        "shuji",
        town,
        lead_services.SubjectInput(name="张三", id_number=id_number(1)),
        involves_official=True,
    )
    refresh_pending()
    zhang = person_of(case, "张三")
    lead_node = f"lead-{lead.pk}"

    as_staff = chart_for(User.objects.get(username="banshi"), person=zhang.pk)
    as_leader = chart_for(User.objects.get(username="shuji"), person=zhang.pk)

    assert lead_node not in {node.id for node in as_staff.nodes}
    assert lead_node in {node.id for node in as_leader.nodes}
    assert ("张三", "被反映人", f"线索 {lead.number}") in links(as_leader)


def test_the_police_see_the_cases_but_not_the_offices_lead_nor_tips(town: Unit) -> None:
    case = make_case(town, P("张三", id_number=id_number(1)))
    lead = register_lead(
        "banshi", town, lead_services.SubjectInput(name="张三", id_number=id_number(1))
    )
    refresh_pending()

    chart = chart_for(User.objects.get(username="minjing"), person=person_of(case, "张三").pk)

    assert {node.id for node in chart.nodes} == {
        f"person-{person_of(case, '张三').pk}",
        f"case-{case.pk}",
    }
    assert f"lead-{lead.pk}" not in {node.id for node in chart.nodes}


def test_another_towns_incidents_never_appear(town: Unit, office: User) -> None:
    city = Unit.objects.get(name="荣成市扫黑办")
    other_town = build_unit(name="柳林镇", kind=UnitKind.TOWN, parent=city, code="LL")
    case = make_case(town, P("张三", id_number=id_number(1)))
    elsewhere = make_case(other_town, P("张三", id_number=id_number(1)), P("外镇同伙"))
    refresh_pending()

    chart = chart_for(office, person=person_of(case, "张三").pk)

    assert f"case-{elsewhere.pk}" not in {node.id for node in chart.nodes}
    assert "外镇同伙" not in labels(chart)
    # Asked for directly, the other town's case is not drawn either.
    assert chart_for(office, incidents=[("case", elsewhere.pk)]).nodes == []


# The pages


@pytest.fixture
def case(town: Unit) -> Case:
    made = make_case(
        town, P("张三", "gatherer", phone=mobile(1)), P("李四", id_number=id_number(4))
    )
    make_case(town, P("李四", id_number=id_number(4)), P("王五"))
    refresh_pending()
    return made


def test_the_case_chart_page_lists_nodes_and_links_without_script(
    case: Case, client_as: Callable[[str], Client]
) -> None:
    response = client_as("minjing").get(f"/analysis/chart/case/{case.pk}/")
    assert response.status_code == 200
    page = unescape(response.content.decode())
    other = Case.objects.exclude(pk=case.pk).get(persons__name="王五")
    for text in ("张三", "李四", "139****0001", "纠集者", f"/cases/{case.pk}/", other.number):
        assert text in page
    assert "王五" not in page  # three hops out
    assert 'id="link-chart-data" type="application/json"' in page
    assert "saohei/link_chart.js" in page and "echarts.min.js" in page
    assert "<script>" not in page and "style=" not in page
    data = json.loads(page.split('type="application/json">', 1)[1].split("</script>", 1)[0])
    assert {node["name"] for node in data["nodes"]} >= {"张三", "李四", "139****0001"}


def test_the_person_and_lead_chart_pages_open_for_the_office(
    case: Case, town: Unit, client_as: Callable[[str], Client]
) -> None:
    client = client_as("banshi")
    zhang = person_of(case, "张三")
    lead = register_lead("banshi", town, lead_services.SubjectInput(name="钱九"))
    refresh_pending()
    assert client.get(f"/analysis/chart/person/{zhang.pk}/").status_code == 200
    page = unescape(client.get(f"/analysis/chart/lead/{lead.pk}/").content.decode())
    assert "钱九" in page and f"线索 {lead.number}" in page


def test_a_bad_window_is_refused_with_a_message_and_no_chart(
    case: Case, client_as: Callable[[str], Client]
) -> None:
    client = client_as("banshi")
    url = f"/analysis/chart/case/{case.pk}/"
    reversed_window = client.get(url, {"from": "2024-05-01", "to": "2024-01-01"})
    not_a_date = client.get(url, {"from": "去年"})
    assert reversed_window.status_code == 400 and not_a_date.status_code == 400
    assert "截止日期不能早于起始日期" in reversed_window.content.decode()
    assert "link-chart-data" not in not_a_date.content.decode()
    assert client.get(url, {"from": "2024-01-01", "to": "2024-12-31"}).status_code == 200


def test_wrong_roles_get_403_other_towns_404_and_visitors_the_sign_in_page(
    case: Case, client_as: Callable[[str], Client]
) -> None:
    zhang = person_of(case, "张三")
    urls = [f"/analysis/chart/case/{case.pk}/", f"/analysis/chart/person/{zhang.pk}/"]
    for username in ("cun01", "shiban", "baoguan", "xitong"):
        client = client_as(username)
        assert [client.get(url).status_code for url in urls] == [403, 403], username
    for url in urls:
        response = Client().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    city = Unit.objects.get(name="荣成市扫黑办")
    other_town = build_unit(name="柳林镇", kind=UnitKind.TOWN, parent=city, code="LL")
    elsewhere = make_case(other_town, P("外镇人", id_number=id_number(9)))
    refresh_pending()
    stranger = person_of(elsewhere, "外镇人")
    client = client_as("banshi")
    assert client.get(f"/analysis/chart/case/{elsewhere.pk}/").status_code == 404
    assert client.get(f"/analysis/chart/person/{stranger.pk}/").status_code == 404
    assert client.get("/analysis/chart/lead/999999/").status_code == 404


def test_the_lead_and_case_pages_link_the_chart_for_those_who_may_open_it(
    case: Case, town: Unit, client_as: Callable[[str], Client]
) -> None:
    village = Unit.objects.filter(parent=town, kind="village").order_by("sort_order").first()
    lead = register_lead("banshi", town, lead_services.SubjectInput(name="钱九"))
    head = User.objects.filter(role_grants__role="village_head", role_grants__unit=village).first()
    assert village is not None and head is not None
    lead_services.assign_lead(
        actor=User.objects.get(username="banshi"), lead=lead, handling_unit=village, handler=head
    )
    chart_link = f"/analysis/chart/lead/{lead.pk}/"
    assert chart_link in client_as("banshi").get(f"/leads/{lead.pk}/").content.decode()
    village_page = client_as(head.username).get(f"/leads/{lead.pk}/")
    assert village_page.status_code == 200 and chart_link not in village_page.content.decode()
    case_page = client_as("minjing").get(f"/cases/{case.pk}/").content.decode()
    assert f"/analysis/chart/case/{case.pk}/" in case_page
