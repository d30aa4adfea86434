import pytest
from pydantic import BaseModel, ValidationError

from saohei.common.errors import ServiceError
from saohei.common.forms import PlatesField, StyledForm
from saohei.common.plates import PROVINCES, Plate, clean_plate, parse_plates


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("鲁K12345", "鲁K12345"),
        ("鲁k12345", "鲁K12345"),
        ("鲁K·12345", "鲁K12345"),
        ("鲁K 12345", "鲁K12345"),
        ("鲁 K 123 45", "鲁K12345"),
        ("鲁K.12345", "鲁K12345"),
        ("鲁K-12345", "鲁K12345"),
        ("鲁Ｋ１２３４５", "鲁K12345"),
        ("鲁ｋ・１２３４５", "鲁K12345"),
        ("京AB1C23", "京AB1C23"),
        ("京AZZZZZ", "京AZZZZZ"),
        ("鲁KD12345", "鲁KD12345"),
        ("鲁KF12345", "鲁KF12345"),
        ("鲁KDA1234", "鲁KDA1234"),
        ("沪AFE1234", "沪AFE1234"),
        ("粤B12345D", "粤B12345D"),
        ("粤B12345F", "粤B12345F"),
        ("鲁K1234挂", "鲁K1234挂"),
        ("鲁K·A123挂", "鲁KA123挂"),
        ("鲁K1234学", "鲁K1234学"),
        ("鲁K0001警", "鲁K0001警"),
        ("沪A1234领", "沪A1234领"),
        ("粤Z1234港", "粤Z1234港"),
        ("粤Z·A123澳", "粤ZA123澳"),
        ("使014578", "使014578"),
        ("使 014·578", "使014578"),
    ],
)
def test_a_valid_plate_is_kept_in_its_normal_form(typed: str, stored: str) -> None:
    assert clean_plate(typed) == stored


@pytest.mark.parametrize("province", list(PROVINCES))
def test_every_one_of_the_31_provinces_is_accepted(province: str) -> None:
    assert clean_plate(f"{province}A12345") == f"{province}A12345"


def test_there_are_exactly_31_provinces() -> None:
    assert len(set(PROVINCES)) == len(PROVINCES) == 31


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", "不能为空"),
        ("· -", "不能为空"),
        ("AK12345", "省份简称"),
        ("港K12345", "省份简称"),
        ("台A12345", "省份简称"),
        ("12345", "省份简称"),
        ("鲁", "发牌机关代号"),
        ("鲁112345", "发牌机关代号"),
        ("鲁甲12345", "发牌机关代号"),
        ("鲁KI2345", "I或O"),
        ("鲁K1234O", "I或O"),
        ("鲁KDO1234", "I或O"),
        ("鲁K1234", "位数不对"),
        ("鲁K123456", "新能源"),
        ("鲁K1234567", "位数不对"),
        ("鲁KD1234A", "新能源"),
        ("鲁KA12345", "新能源"),
        ("鲁K1234DF", "新能源"),
        ("鲁KDA123B", "新能源"),
        ("鲁K1234A5", "新能源"),
        ("鲁K12345挂", "序号应为4位"),
        ("鲁K123学", "序号应为4位"),
        ("鲁K1234港", "只用于粤Z"),
        ("粤B1234澳", "只用于粤Z"),
        ("鲁K12_45", "不能使用的字符"),
        ("鲁K1２3四5", "不能使用的字符"),
        ("使12345", "使馆号牌"),
        ("使A12345", "使馆号牌"),
    ],
)
def test_an_invalid_plate_is_refused_with_its_reason(typed: str, reason: str) -> None:
    with pytest.raises(ServiceError) as refused:
        clean_plate(typed)
    assert reason in refused.value.message
    assert refused.value.field == "plates"


def test_several_plates_are_split_at_chinese_and_latin_commas_and_repeats_dropped() -> None:
    typed = "鲁K12345、鲁KD12345，鲁K1234挂,鲁k 12345；粤B12345D\n"
    assert parse_plates(typed) == ["鲁K12345", "鲁KD12345", "鲁K1234挂", "粤B12345D"]


def test_a_blank_list_is_no_plates() -> None:
    assert parse_plates("") == []
    assert parse_plates(" 、 ，") == []


def test_the_bad_plate_of_a_list_is_named_with_its_position() -> None:
    with pytest.raises(ServiceError) as refused:
        parse_plates("鲁K12345、鲁K1234")
    assert "第2个车牌“鲁K1234”" in refused.value.message
    assert "位数不对" in refused.value.message


def test_more_than_ten_plates_are_refused() -> None:
    with pytest.raises(ServiceError, match="最多"):
        parse_plates("、".join(f"鲁K1234{digit}" for digit in range(10)) + "、鲁K22222")


class _PlateForm(StyledForm):
    plates = PlatesField()


def test_the_form_field_gives_the_normal_forms() -> None:
    form = _PlateForm({"plates": "鲁k·12345、鲁KD12345"})
    assert form.is_valid()
    assert form.cleaned_data["plates"] == ["鲁K12345", "鲁KD12345"]


def test_the_form_field_shows_the_reason_beside_the_field() -> None:
    form = _PlateForm({"plates": "鲁K12345，AK12345"})
    assert not form.is_valid()
    assert "第2个车牌“AK12345”" in form.errors["plates"][0]


def test_the_form_field_refuses_control_characters_like_every_text_field() -> None:
    form = _PlateForm({"plates": "鲁K12345\x00"})
    assert not form.is_valid()


def test_the_form_field_is_optional_and_shows_a_list_as_typed_text() -> None:
    form = _PlateForm({"plates": ""})
    assert form.is_valid()
    assert form.cleaned_data["plates"] == []
    assert _PlateForm().fields["plates"].prepare_value(["鲁K12345", "鲁KD12345"]) == (
        "鲁K12345、鲁KD12345"
    )


class _Payload(BaseModel):
    plates: list[Plate]


def test_the_api_type_normalises_and_refuses_in_chinese() -> None:
    assert _Payload(plates=["鲁k·12345"]).plates == ["鲁K12345"]
    with pytest.raises(ValidationError) as refused:
        _Payload(plates=["鲁K1234港"])
    assert "只用于粤Z" in str(refused.value)
