"""What `extract` finds, and that its offsets point into the text as given."""

from saohei.analysis.extraction import extract


def _texts(spans: tuple) -> list[str]:  # type: ignore[type-arg]
    return [span.text for span in spans]


def test_offsets_point_into_the_original_text_with_full_width_digits() -> None:
    text = "联系电话：１３９ ０５３１ ２４６８，车牌鲁Ｋ·５Ｒ３２１。"
    found = extract(text)
    for span in (*found.phones, *found.plates):
        assert text[span.start : span.end] == span.text
    assert _texts(found.phones) == ["１３９ ０５３１ ２４６８"]
    assert _texts(found.plates) == ["鲁Ｋ·５Ｒ３２１"]


def test_id_numbers_carry_their_validity() -> None:
    found = extract("身份证号370281200307268626，另一个370281200307268629，旧证110101960627415。")
    assert [(s.text, s.valid) for s in found.id_numbers] == [
        ("370281200307268626", True),
        ("370281200307268629", False),
        ("110101960627415", True),
    ]


def test_a_phone_and_an_id_number_in_one_run_of_digits_are_told_apart() -> None:
    found = extract("号码13912345678 370281200307268626")
    assert _texts(found.phones) == ["13912345678"]
    assert _texts(found.id_numbers) == ["370281200307268626"]


def test_dates_amounts_landlines_and_bank_cards_are_not_numbers_we_report() -> None:
    found = extract("2021-03-15借款35000元，座机0631-7561234，卡号6222 0212 3456 7890 123。")
    assert found.phones == () and found.id_numbers == ()


def test_plates_of_every_kind_and_no_more() -> None:
    found = extract(
        "鲁KD12345、鲁K12345F、鲁K1234挂、鲁K0123学、鲁K0012警、鲁K·8H662，鲁K123456不是。"
    )
    assert _texts(found.plates) == [
        "鲁KD12345",
        "鲁K12345F",
        "鲁K1234挂",
        "鲁K0123学",
        "鲁K0012警",
        "鲁K·8H662",
    ]


def test_names_beside_titles_places_mou_names_compound_surnames_and_nicknames() -> None:
    text = "村主任张三和李某某在柳林镇港西村打人，外号“刀疤”的欧阳小明于某日离开。"
    found = extract(text, local_places=["港西村"])
    assert _texts(found.persons) == ["张三", "李某某", "刀疤", "欧阳小明"]
    assert _texts(found.places) == ["柳林镇港西村"]


def test_the_model_never_sees_a_plate_as_a_name() -> None:
    found = extract("王海开着鲁KAB123跑了。")
    assert _texts(found.persons) == ["王海"]


def test_jieba_is_the_fallback_engine_helped_by_the_names_the_caller_knows() -> None:
    text = "犯罪嫌疑人王德顺纠集欧阳振华殴打他人。"
    assert _texts(extract(text, name_engine="jieba").persons) == ["欧阳振华"]
    found = extract(text, name_engine="jieba", known_names=["王德顺"])
    assert _texts(found.persons) == ["王德顺", "欧阳振华"]
    assert found.places == ()


def test_places_that_name_a_county_are_resolved_upward() -> None:
    (place,) = extract("在荣成市港西镇港西村", local_places=["港西村"]).places
    assert (place.text, place.province, place.city, place.county) == (
        "荣成市港西镇港西村",
        "山东省",
        "威海市",
        "荣成市",
    )


def test_empty_and_blank_texts_find_nothing() -> None:
    for text in ("", "   ", "\n"):
        found = extract(text)
        assert (found.persons, found.id_numbers, found.phones, found.plates, found.places) == (
            (),
            (),
            (),
            (),
            (),
        )
