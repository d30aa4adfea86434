import pytest
from hypothesis import given
from hypothesis import strategies as st

from saohei.common.crypto import DecryptionError
from saohei.common.errors import ServiceError
from saohei.common.pii import (
    blind_index,
    clean_id_number,
    clean_mobile,
    mask_id_number,
    mask_mobile,
    seal,
    unseal,
)

VALID_ID = "11010519491231002X"


def test_valid_id_number_passes_and_full_width_is_folded() -> None:
    assert clean_id_number(VALID_ID) == VALID_ID
    assert clean_id_number("１１０１０５１９４９１２３１００２ｘ") == VALID_ID


def test_local_numbers_of_people_born_before_the_area_code_existed_pass() -> None:
    # 荣成 is 371082; stdnum's area-code dating would refuse this well-formed 1978 number.
    assert clean_id_number("371082197803300930") == "371082197803300930"


def test_fifteen_digit_number_is_converted() -> None:
    converted = clean_id_number("110105491231002")
    assert converted.startswith("11010519491231002")
    assert len(converted) == 18


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("110105194912310021", "校验位"),
        ("110105194913310028", "出生日期"),
        ("12345", "18位"),
        ("110105491331002", "出生日期"),
    ],
)
def test_bad_id_numbers_get_chinese_reasons(value: str, message: str) -> None:
    with pytest.raises(ServiceError, match=message):
        clean_id_number(value)


def test_mobile_numbers() -> None:
    assert clean_mobile("139 1234 5678") == "13912345678"
    assert clean_mobile("+8613912345678") == "13912345678"
    with pytest.raises(ServiceError, match="11位"):
        clean_mobile("12912345678")


def test_masks() -> None:
    assert mask_id_number("370682199001013456") == "370682********3456"
    assert mask_mobile("13912345678") == "139****5678"


def test_sealed_value_round_trips_and_is_bound_to_its_kind() -> None:
    sealed = seal("id_number", VALID_ID)
    assert VALID_ID not in sealed.ciphertext
    assert unseal("id_number", sealed.key_id, sealed.ciphertext) == VALID_ID
    with pytest.raises(DecryptionError):
        unseal("phone", sealed.key_id, sealed.ciphertext)


def test_blind_index_matches_equal_values_only() -> None:
    assert seal("phone", "13912345678").index == blind_index("phone", "13912345678")
    assert blind_index("phone", "13912345678") != blind_index("phone", "13912345679")
    assert blind_index("phone", "13912345678") != blind_index("id_number", "13912345678")


@given(st.text(max_size=40))
def test_encryption_round_trips_any_text(text: str) -> None:
    sealed = seal("note", text)
    assert unseal("note", sealed.key_id, sealed.ciphertext) == text
