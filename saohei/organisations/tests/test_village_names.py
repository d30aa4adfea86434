import pytest

from saohei.organisations.village_names import fold_name, match_village

VILLAGES = {fold_name("东岛村"): 1, fold_name("西港社区"): 2, fold_name("北村"): 3}


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("东岛村", 1),
        ("港西镇东岛村", 1),
        ("东岛村村民委员会", 1),
        ("东岛村委会", 1),
        ("港西镇东岛村委会", 1),
        ("東島村", None),
        ("　东岛村 ", 1),
        ("西港社区居委会", 2),
        ("港西镇西港社区", 2),
        ("西港社区居民委员会", 2),
        ("北村村委会", 3),
        ("南村", None),
        ("港西镇", None),
        ("", None),
        ("委员会", None),
    ],
)
def test_a_village_is_read_as_senders_write_it(cell: str, expected: int | None) -> None:
    assert match_village(cell, town_name="港西镇", villages=VILLAGES) == expected


def test_another_towns_name_in_front_is_not_dropped() -> None:
    assert match_village("虚构镇东岛村", town_name="港西镇", villages=VILLAGES) is None
