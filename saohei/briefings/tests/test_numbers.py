from decimal import Decimal

import pytest

from saohei.briefings.numbers import Style, floor_to_two_digits, plain, written


@pytest.mark.parametrize(
    ("value", "style", "expected"),
    [
        (206, Style.TIMES, "200余"),
        (Decimal("1836"), Style.HOURS, "1800多"),
        (Decimal("1836.5"), Style.HOURS, "1800多"),
        (12345, Style.TIMES, "12000余"),
        (256, Style.TIMES, "250余"),
        (99, Style.TIMES, "99"),
        (12, Style.TIMES, "12"),
        (200, Style.TIMES, "200"),
        (Decimal("1800.0"), Style.HOURS, "1800"),
        (Decimal("12.5"), Style.HOURS, "12.5"),
        (0, Style.TIMES, "0"),
    ],
)
def test_times_and_hours_are_rounded_the_way_officials_write(value, style, expected):
    assert written(value, style) == expected


@pytest.mark.parametrize("value", [6800, 450, 1836, 12345, Decimal("6800.0")])
def test_material_items_and_records_stay_exact(value):
    assert written(value, Style.EXACT) == plain(value)
    assert "余" not in written(value, Style.EXACT)


def test_floor_keeps_two_leading_digits():
    assert [floor_to_two_digits(n) for n in (100, 109, 999, 1000, 1099, 98765)] == [
        100,
        100,
        990,
        1000,
        1000,
        98000,
    ]


def test_plain_drops_trailing_zeros_of_decimals():
    assert plain(Decimal("450.0")) == "450"
    assert plain(Decimal("3.50")) == "3.5"
