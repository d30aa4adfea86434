"""Phone numbers as senders write them: one kept form per number, clear refusals."""

import pytest

from saohei.common.errors import ServiceError
from saohei.common.phones import clean_phone, mask_phone, parse_phones


@pytest.mark.parametrize(
    ("cell", "numbers"),
    [
        ("13912345678", ["13912345678"]),
        ("+86 139 1234 5678", ["13912345678"]),
        ("0631-5234567", ["06315234567"]),
        ("(0631)5234567", ["06315234567"]),
        ("（0631）5234567", ["06315234567"]),
        ("0631 5234567", ["06315234567"]),
        ("06315234567", ["06315234567"]),
        ("010-12345678", ["01012345678"]),
        ("5234567", ["5234567"]),
        ("13912345678、0631-5234567", ["13912345678", "06315234567"]),
        ("13912345678 13812345678", ["13912345678", "13812345678"]),
        ("0631 5234567 13912345678", ["06315234567", "13912345678"]),
        ("13912345678；13912345678", ["13912345678"]),
        ("１３９１２３４５６７８", ["13912345678"]),
        ("", []),
    ],
)
def test_a_cell_gives_its_numbers_in_one_kept_form(cell: str, numbers: list[str]) -> None:
    assert parse_phones(cell) == numbers


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("12345", "手机号应为以1开头的11位数字"),
        ("0631-52345", "固定电话（区号0开头3至4位、号码7至8位"),
        ("0755-5234567", "区号与号码位数不符"),
        ("0631-52345678", "区号与号码位数不符"),
        ("13912345678,13812345678,13712345678", "最多填写2个电话号码"),
        ("13912345678，电话", "第2个号码"),
    ],
)
def test_numbers_that_are_not_phones_are_refused_without_repeating_them(
    cell: str, message: str
) -> None:
    with pytest.raises(ServiceError) as refused:
        parse_phones(cell)
    assert message in refused.value.message
    assert "1391234" not in refused.value.message and "5234" not in refused.value.message


def test_masks_fit_the_masked_columns() -> None:
    assert mask_phone("13912345678") == "139****5678"
    assert mask_phone("06315234567") == "0631***4567"
    assert mask_phone("01012345678") == "010***5678"
    assert mask_phone("5234567") == "***4567"
    assert all(len(mask_phone(clean_phone(n))) <= 11 for n in ("075582345678", "02112345678"))
