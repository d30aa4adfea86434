"""The office's corrections: merge, split, undo, 疑似同一人 and the exclusion list — each
refused for the wrong role or town, audited, and re-resolving the registry at once."""

from collections.abc import Callable
from datetime import date
from html import unescape

import pytest
from django.test import Client

from saohei.analysis import services
from saohei.analysis.changes import refresh_pending
from saohei.analysis.models import (
    Appearance,
    IdentifierExclusion,
    MergeRule,
    SamePersonSuggestion,
    SharedIdentifier,
    SplitRule,
    SuggestionStatus,
)
from saohei.analysis.tests.registry_helpers import P, id_number, make_case, mobile, person_of
from saohei.audit.models import AuditAction, AuditEvent
from saohei.cases.models import Case, CasePerson
from saohei.common.errors import ActionNotAllowed, ServiceError
from saohei.common.pii import blind_index
from saohei.organisations.models import Unit, UnitKind, User
from saohei.organisations.services import build_unit

pytestmark = pytest.mark.django_db


def office() -> User:
    return User.objects.get(username="banshi")


@pytest.fixture
def two_zhaos(town: Unit, village: Unit) -> tuple[Case, Case]:
    """赵铁柱 twice in 港西村, no shared identifier: a 疑似同一人 suggestion."""
    first = make_case(town, P("赵铁柱", id_number=id_number(1), village=village))
    second = make_case(town, P("赵铁柱", village=village), on=date(2024, 8, 1))
    refresh_pending()
    return first, second


def test_merge_joins_two_persons_and_undo_parts_them(two_zhaos: tuple[Case, Case]) -> None:
    first, second = two_zhaos
    one, other = person_of(first, "赵铁柱"), person_of(second, "赵铁柱")
    merged = services.merge_persons(actor=office(), person=one, other=other, reason="同一人")
    assert person_of(first, "赵铁柱") == person_of(second, "赵铁柱") == merged
    assert merged.appearance_count == 2
    assert AuditEvent.objects.filter(action=AuditAction.PERSONS_MERGED).count() == 1
    rule = MergeRule.objects.get()
    services.undo_merge(actor=office(), rule=rule)
    assert person_of(first, "赵铁柱") != person_of(second, "赵铁柱")
    assert AuditEvent.objects.filter(action=AuditAction.PERSONS_MERGE_UNDONE).count() == 1
    with pytest.raises(ServiceError, match="已撤销"):
        services.undo_merge(actor=office(), rule=rule)


def test_merge_through_the_page_after_a_search(
    two_zhaos: tuple[Case, Case], client_as: Callable[[str], Client]
) -> None:
    first, second = two_zhaos
    one, other = person_of(first, "赵铁柱"), person_of(second, "赵铁柱")
    client = client_as("banshi")
    html = unescape(client.get(f"/analysis/persons/{one.pk}/merge/?q=赵铁柱").content.decode())
    assert f'value="{other.pk}"' in html and f'value="{one.pk}"' not in html
    refused = client.post(f"/analysis/persons/{one.pk}/merge/?q=赵铁柱", {"other": other.pk})
    assert refused.status_code == 400 and "请填写理由" in refused.content.decode()
    assert not MergeRule.objects.exists()
    done = client.post(
        f"/analysis/persons/{one.pk}/merge/?q=赵铁柱", {"other": other.pk, "reason": "核实为同一人"}
    )
    assert done.status_code == 302
    merged = person_of(first, "赵铁柱")
    assert merged == person_of(second, "赵铁柱") and done["Location"].endswith(f"/{merged.pk}/")
    rule = MergeRule.objects.get()
    html = client.get(f"/analysis/persons/{merged.pk}/").content.decode()
    assert f"/analysis/merges/{rule.pk}/undo/" in html and "核实为同一人" in html
    assert client_as("minjing").post(f"/analysis/merges/{rule.pk}/undo/").status_code == 403
    assert client.post(f"/analysis/merges/{rule.pk}/undo/").status_code == 302
    assert person_of(first, "赵铁柱") != person_of(second, "赵铁柱")


def test_merge_and_split_are_refused_to_police_and_to_another_towns_office(
    two_zhaos: tuple[Case, Case], town: Unit, client_as: Callable[[str], Client]
) -> None:
    first, second = two_zhaos
    one, other = person_of(first, "赵铁柱"), person_of(second, "赵铁柱")
    police = client_as("minjing")
    assert police.post(f"/analysis/persons/{one.pk}/merge/", {"other": other.pk}).status_code == 403
    with pytest.raises(ActionNotAllowed):
        services.merge_persons(
            actor=User.objects.get(username="minjing"), person=one, other=other, reason="x"
        )
    other_town = build_unit(name="柳林镇", kind=UnitKind.TOWN, parent=town.parent, code="LL")
    stranger = make_case(other_town, P("赵铁柱", id_number=id_number(2)))
    refresh_pending()
    with pytest.raises(ActionNotAllowed):
        services.merge_persons(
            actor=office(), person=one, other=person_of(stranger, "赵铁柱"), reason="x"
        )
    assert not MergeRule.objects.exists()
    assert (
        client_as("banshi")
        .post(
            f"/analysis/persons/{person_of(stranger, '赵铁柱').pk}/merge/",
            {"other": one.pk, "reason": "x"},
        )
        .status_code
        == 404
    )


def test_split_takes_one_appearance_off_and_undo_puts_it_back(
    town: Unit, client_as: Callable[[str], Client]
) -> None:
    first = make_case(town, P("钱大宝", id_number=id_number(3)))
    second = make_case(town, P("钱大宝", id_number=id_number(3)))
    refresh_pending()
    person = person_of(first, "钱大宝")
    appearance = Appearance.objects.get(
        incident_kind="case", source_id=CasePerson.objects.get(case=second).pk
    )
    client = client_as("banshi")
    url = f"/analysis/persons/{person.pk}/appearances/{appearance.pk}/split/"
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 400 and not SplitRule.objects.exists()
    assert client.post(url, {"reason": "身份证号录错"}).status_code == 302
    alone = person_of(second, "钱大宝")
    assert alone != person_of(first, "钱大宝")
    assert AuditEvent.objects.filter(action=AuditAction.APPEARANCE_SPLIT).count() == 1
    html = unescape(client.get(f"/analysis/persons/{alone.pk}/").content.decode())
    rule = SplitRule.objects.get()
    assert f"/analysis/splits/{rule.pk}/undo/" in html
    assert client.post(f"/analysis/splits/{rule.pk}/undo/").status_code == 302
    assert person_of(second, "钱大宝") == person_of(first, "钱大宝")
    assert AuditEvent.objects.filter(action=AuditAction.APPEARANCE_SPLIT_UNDONE).count() == 1


def test_a_person_with_one_record_cannot_be_split(town: Unit) -> None:
    case = make_case(town, P("孤单单", id_number=id_number(4)))
    refresh_pending()
    appearance = Appearance.objects.get(incident_kind="case", incident_id=case.pk)
    with pytest.raises(ServiceError, match="只有这一条记录"):
        services.split_appearance(actor=office(), appearance=appearance, reason="x")
    assert not SplitRule.objects.exists()


def test_confirming_a_suggestion_merges_and_rejecting_keeps_it_answered(
    two_zhaos: tuple[Case, Case], client_as: Callable[[str], Client]
) -> None:
    suggestion = SamePersonSuggestion.objects.get()
    client = client_as("banshi")
    assert "赵铁柱" in client.get("/analysis/same-person/").content.decode()
    assert client_as("minjing").get("/analysis/same-person/").status_code == 403
    assert client.post(f"/analysis/same-person/{suggestion.pk}/confirm/").status_code == 302
    first, second = two_zhaos
    assert person_of(first, "赵铁柱") == person_of(second, "赵铁柱")
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.CONFIRMED
    assert MergeRule.objects.filter(undone_at__isnull=True).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.SAME_PERSON_CONFIRMED).count() == 1


def test_rejecting_a_suggestion_needs_a_reason_and_it_is_not_made_again(
    two_zhaos: tuple[Case, Case], town: Unit, village: Unit, client_as: Callable[[str], Client]
) -> None:
    suggestion = SamePersonSuggestion.objects.get()
    client = client_as("banshi")
    client.post(f"/analysis/same-person/{suggestion.pk}/reject/", {"reason": ""})
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.OPEN
    client.post(f"/analysis/same-person/{suggestion.pk}/reject/", {"reason": "父子同名"})
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.REJECTED and suggestion.reason == "父子同名"
    make_case(town, P("路人甲", village=village))  # any later refresh
    refresh_pending()
    assert SamePersonSuggestion.objects.get().status == SuggestionStatus.REJECTED
    assert "赵铁柱" not in client.get("/analysis/same-person/").content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.SAME_PERSON_REJECTED).count() == 1


def test_excluding_a_mobile_stops_it_linking_and_removing_it_links_again(
    town: Unit, client_as: Callable[[str], Client]
) -> None:
    first = make_case(town, P("孙有才", phone=mobile(5)))
    second = make_case(town, P("孙有才", phone=mobile(5)))
    refresh_pending()
    assert person_of(first, "孙有才") == person_of(second, "孙有才")
    client = client_as("banshi")
    response = client.post("/analysis/exclusions/", {"mobile": mobile(5), "reason": "村委会电话"})
    assert response.status_code == 302
    assert person_of(first, "孙有才") != person_of(second, "孙有才")
    exclusion = IdentifierExclusion.objects.get()
    assert exclusion.value == blind_index("phone", mobile(5)) and exclusion.masked == "139****0005"
    assert "139****0005" in client.get("/analysis/exclusions/").content.decode()
    assert client.post(f"/analysis/exclusions/{exclusion.pk}/remove/").status_code == 302
    assert person_of(first, "孙有才") == person_of(second, "孙有才")
    assert AuditEvent.objects.filter(action=AuditAction.IDENTIFIER_EXCLUDED).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.IDENTIFIER_EXCLUSION_REMOVED).count() == 1
    assert not any(mobile(5) in str(e.details) for e in AuditEvent.objects.all())


@pytest.mark.parametrize(
    ("mobile_typed", "message"),
    [("1390000000", "手机号应为以1开头的11位数字"), ("", "请填写手机号"), ("1" * 21, "手机号")],
)
def test_a_bad_mobile_is_refused_with_a_chinese_message(
    demo: None, client_as: Callable[[str], Client], mobile_typed: str, message: str
) -> None:
    response = client_as("banshi").post(
        "/analysis/exclusions/", {"mobile": mobile_typed, "reason": "公用"}
    )
    assert response.status_code == 400 and message in unescape(response.content.decode())
    assert not IdentifierExclusion.objects.exists()


@pytest.fixture
def shared(town: Unit) -> SharedIdentifier:
    """139****0009, given by seven different names: over-shared, no longer linking."""
    for n in range(7):
        make_case(town, P(f"住户{n}", phone=mobile(9)))
    refresh_pending()
    return SharedIdentifier.objects.get()


def test_an_over_shared_mobile_is_excluded_from_the_review_list(
    shared: SharedIdentifier, client_as: Callable[[str], Client]
) -> None:
    client = client_as("banshi")
    assert "139****0009" in client.get("/analysis/shared/").content.decode()
    assert (
        client.post(f"/analysis/shared/{shared.pk}/exclude/", {"reason": "村委会"}).status_code
        == 302
    )
    assert IdentifierExclusion.objects.get().value == shared.value
    duplicate = client.post("/analysis/exclusions/", {"mobile": mobile(9), "reason": "再来"})
    assert "已在排除清单中" in duplicate.content.decode()


# ---------------------------------------------------------------------------------------------
# Refused forms keep what was typed (decision 0016)

TOO_LONG = "父子同名，" * 41  # 205 characters


def _field_kept(page: str, typed: str, message: str) -> bool:
    """The reason as typed in its input, the error in the block the input points to."""
    return f'value="{typed}"' in page and 'id="id_reason_error"' in page and message in page


def test_a_refused_rejection_shows_the_row_again_with_the_reason_typed(
    two_zhaos: tuple[Case, Case], client_as: Callable[[str], Client]
) -> None:
    suggestion = SamePersonSuggestion.objects.get()
    response = client_as("banshi").post(
        f"/analysis/same-person/{suggestion.pk}/reject/", {"reason": TOO_LONG}
    )
    assert response.status_code == 400
    page = unescape(response.content.decode())
    assert _field_kept(page, TOO_LONG, "理由不能超过 200 个字")
    assert "<details open>" in page and "赵铁柱" in page
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.OPEN
    assert not AuditEvent.objects.filter(action=AuditAction.SAME_PERSON_REJECTED).exists()


def test_a_refused_exclusion_from_the_shared_list_keeps_the_reason_typed(
    shared: SharedIdentifier, client_as: Callable[[str], Client]
) -> None:
    response = client_as("banshi").post(
        f"/analysis/shared/{shared.pk}/exclude/", {"reason": TOO_LONG}
    )
    assert response.status_code == 400
    page = unescape(response.content.decode())
    assert _field_kept(page, TOO_LONG, "理由不能超过 200 个字")
    assert "<details open>" in page and "139****0009" in page
    assert not IdentifierExclusion.objects.exists()


def test_a_refused_exclusion_keeps_the_mobile_and_reason_typed(
    demo: None, client_as: Callable[[str], Client]
) -> None:
    response = client_as("banshi").post(
        "/analysis/exclusions/", {"mobile": "1390000000", "reason": "村委会公用电话"}
    )
    assert response.status_code == 400
    page = unescape(response.content.decode())
    assert 'value="1390000000"' in page and 'value="村委会公用电话"' in page
    assert 'id="id_mobile_error"' in page
    assert not IdentifierExclusion.objects.exists()


def test_a_refused_merge_keeps_the_person_chosen_and_the_reason_typed(
    two_zhaos: tuple[Case, Case], client_as: Callable[[str], Client]
) -> None:
    first, second = two_zhaos
    one, other = person_of(first, "赵铁柱"), person_of(second, "赵铁柱")
    response = client_as("banshi").post(
        f"/analysis/persons/{one.pk}/merge/?q=赵铁柱", {"other": other.pk, "reason": TOO_LONG}
    )
    assert response.status_code == 400
    page = unescape(response.content.decode())
    assert _field_kept(page, TOO_LONG, "理由不能超过 200 个字")
    assert f'value="{other.pk}" id="other-{other.pk}" checked' in page
    assert not MergeRule.objects.exists()


def test_a_refused_split_shows_its_row_open_with_the_reason_typed(
    town: Unit, client_as: Callable[[str], Client]
) -> None:
    first = make_case(town, P("钱大宝", id_number=id_number(3)))
    make_case(town, P("钱大宝", id_number=id_number(3)))
    refresh_pending()
    person = person_of(first, "钱大宝")
    appearance = Appearance.objects.filter(person=person).order_by("id").first()
    assert appearance is not None
    url = f"/analysis/persons/{person.pk}/appearances/{appearance.pk}/split/"
    response = client_as("banshi").post(url, {"reason": TOO_LONG})
    assert response.status_code == 400
    page = unescape(response.content.decode())
    assert _field_kept(page, TOO_LONG, "理由不能超过 200 个字")
    assert "<details open>" in page
    assert not SplitRule.objects.exists()
