"""识别建议 links carry offsets only; the form reads the value back from the record's own text."""

from django.http import QueryDict

from saohei.common.suggestions import suggested_initial, suggestion_query

TEXTS = {"summary": "东岛村申屠亮在码头强收卸货费，电话１３９ ０５３１-２４６８。"}


def _read_back(field: str, text: str) -> dict[str, str]:
    start = TEXTS["summary"].index(text)
    query = suggestion_query(field=field, source="summary", start=start, end=start + len(text))
    assert text not in query and "139" not in query
    return suggested_initial(TEXTS, QueryDict(query))


def test_a_link_is_read_back_to_the_span_it_names() -> None:
    assert _read_back("name", "申屠亮") == {"name": "申屠亮"}


def test_a_phone_as_typed_comes_back_as_the_bare_number() -> None:
    assert _read_back("phone", "１３９ ０５３１-２４６８") == {"phone": "13905312468"}


def test_a_source_the_caller_did_not_offer_fills_nothing() -> None:
    query = QueryDict(suggestion_query(field="name", source="narrative", start=3, end=6))
    assert suggested_initial(TEXTS, query) == {}


def test_a_name_at_the_very_start_of_the_text_is_filled() -> None:
    texts = {"summary": "张三在码头强收卸货费"}
    query = QueryDict(suggestion_query(field="name", source="summary", start=0, end=2))
    assert suggested_initial(texts, query) == {"name": "张三"}


def test_offsets_that_are_not_small_whole_numbers_fill_nothing() -> None:
    for start, end in (("-1", "2"), ("0", "²"), ("0", "99999999"), ("a", "2"), ("2", "1")):
        query = QueryDict(f"field=name&source=summary&start={start}&end={end}")
        assert suggested_initial(TEXTS, query) == {}
