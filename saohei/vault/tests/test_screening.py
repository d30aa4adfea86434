"""The one identity check for texts others read (decision 0011): variants and the name rule."""

import pytest

from saohei.common.errors import ServiceError
from saohei.vault.queries import ReporterDetails
from saohei.vault.screening import carries_identity, refuse_identity_in

REPORTER = ReporterDetails(
    name="张建国",
    phone="13987650431",
    id_number="37108219760315917X",
    address="山东省荣成市港西镇测试路77号甲",
)


@pytest.mark.parametrize(
    "text",
    [
        "电话139-8765-0431",
        "电话１３９８７６５０４３１",
        "电话 139 8765 0431",
        "电话＋86 139.8765.0431",
        "身份证37108219760315917",
        "身份证尾号60315917x",
        "住测试路77号甲",
        "住测试路７７号",
        "港西镇测试路",
        "张建国",
        "张 建 国",
        "张·建国",
        "老张，建国说",
        "张建",
    ],
)
def test_each_variant_of_the_identity_is_caught(text: str) -> None:
    assert carries_identity(text, REPORTER)


@pytest.mark.parametrize(
    "text",
    [
        "回访港西镇的举报人",
        "山东省荣成市港西镇",
        "建国以来的线索",
        "张贴通知",
        "转账流水ZZ20260001",
        "12月3日回访，满意",
    ],
)
def test_ordinary_words_pass(text: str) -> None:
    assert not carries_identity(text, REPORTER)


def test_a_two_character_name_is_caught_whole_and_only_whole() -> None:
    reporter = ReporterDetails(name="王伟", phone="", id_number="", address="")
    assert carries_identity("联系王伟", reporter)
    assert not carries_identity("王某伟大", reporter)


def test_a_compound_surname_leaves_a_two_character_given_name() -> None:
    reporter = ReporterDetails(name="欧阳建国", phone="", id_number="", address="")
    assert carries_identity("欧阳家的建国", reporter)
    assert not carries_identity("建国以来", reporter)


def test_an_address_below_the_town_only_is_checked_whole() -> None:
    reporter = ReporterDetails(name="", phone="", id_number="", address="东山村3组12号")
    assert carries_identity("东山村3组", reporter)
    assert not carries_identity("东山村", reporter)


def test_the_refusal_names_the_field_and_not_the_match() -> None:
    with pytest.raises(ServiceError) as refused:
        refuse_identity_in("联系张建国", REPORTER, field="note")
    assert refused.value.field == "note"
    assert "张建国" not in refused.value.message


def test_an_empty_identity_catches_nothing() -> None:
    assert not carries_identity("任何内容123456", ReporterDetails("", "", "", ""))
