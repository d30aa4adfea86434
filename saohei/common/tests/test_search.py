"""How a typed query becomes terms (`common.search.parse_query`) and how it is printed."""

import pytest

from saohei.common.forms import SearchField, StyledForm, describe_filters
from saohei.common.pii import blind_index, suffix_index
from saohei.common.search import masked_query, parse_query

ID_NUMBER = "11010519491231002X"


def test_terms_are_split_at_spaces_and_chinese_commas() -> None:
    assert [term.text for term in parse_query(" 码头，收费、渔船 停靠 ")] == [
        "码头",
        "收费",
        "渔船",
        "停靠",
    ]


def test_a_chinese_phrase_without_spaces_is_taken_as_its_two_character_words() -> None:
    assert parse_query("强揽工程")[0].words == ("强揽", "工程")
    assert parse_query("保护伞问题")[0].words == ("保护", "伞问题")
    assert parse_query("沙场")[0].words == ("沙场",)


@pytest.mark.parametrize(
    "typed",
    [ID_NUMBER, ID_NUMBER.lower(), "110105 19491231 002x", "１１０１０５１９４９１２３１００２Ｘ"],
)
def test_an_id_number_is_recognised_however_it_is_typed(typed: str) -> None:
    (term,) = parse_query(typed)
    assert term.id_index == blind_index("id_number", ID_NUMBER)
    assert term.words == ()


def test_a_fifteen_digit_id_number_is_looked_up_as_its_eighteen_digit_form() -> None:
    (term,) = parse_query("110105491231002")
    assert term.id_index == blind_index("id_number", ID_NUMBER)


@pytest.mark.parametrize("typed", ["13912345678", "+86 139 1234 5678", "139-1234-5678"])
def test_a_mobile_is_recognised_however_it_is_typed(typed: str) -> None:
    (term,) = parse_query(typed)
    assert term.phone_index == blind_index("phone", "13912345678")


def test_four_digits_are_an_ending_and_text_at_once() -> None:
    (term,) = parse_query("002x")
    assert term.id_suffix_index == suffix_index("id_number", "002X")
    assert term.phone_suffix_index == ""  # no mobile ends in X
    (digits,) = parse_query("5678")
    assert digits.phone_suffix_index == suffix_index("phone", "5678")
    assert digits.words == ("5678",)


def test_an_invalid_id_number_is_plain_text() -> None:
    (term,) = parse_query("110105194912310021")
    assert term.id_index == ""
    assert term.words == ("110105194912310021",)


def test_the_printed_query_masks_id_numbers_and_mobiles_even_mistyped_ones() -> None:
    assert masked_query(f"强揽 {ID_NUMBER}") == "强揽 110105********002X"
    assert masked_query("+86 139 1234 5678") == "139****5678"
    assert ID_NUMBER[:-1] not in masked_query("110105194912310021")


def test_an_export_title_never_prints_a_searched_id_number() -> None:
    class Form(StyledForm):
        q = SearchField(placeholder="搜索")

    described = describe_filters(Form({"q": f"王某 {ID_NUMBER}"}))
    assert described == "搜索 “王某 110105********002X”"


@pytest.mark.parametrize(
    "typed", ["鲁K12345", "鲁k12345", "鲁K 12345", "鲁 K 123 45", "鲁K·12345", "鲁Ｋ１２３４５"]
)
def test_a_plate_is_recognised_however_it_is_typed(typed: str) -> None:
    [term] = parse_query(typed)
    assert term.words == ("鲁K12345",)
    assert not term.is_identifier


def test_a_plate_beside_other_terms_takes_only_its_own_groups() -> None:
    terms = parse_query("张三 鲁K 12345 码头")
    assert [term.text for term in terms] == ["张三", "鲁K12345", "码头"]


def test_a_partial_plate_is_folded_as_plates_are_stored() -> None:
    [term] = parse_query("鲁k·123")
    assert term.words == ("鲁K123",)


def test_chinese_beginning_with_a_province_is_left_alone() -> None:
    assert [term.text for term in parse_query("鲁 张三")] == ["鲁", "张三"]
