"""The shared check of hostile text and ids, and the form fields it guards."""

from typing import Any

import pytest
from django import forms

from saohei.common.errors import ServiceError
from saohei.common.forms import StyledForm
from saohei.common.validation import (
    MAX_ID,
    checked_text,
    find_unsafe_value,
    is_valid_id,
    parse_id,
    safe_text,
    text_problem,
)
from saohei.organisations.models import User


@pytest.mark.parametrize(
    ("value", "multiline", "reason"),
    [
        ("码头\x00", True, "空字符"),
        ("码头\ud800", True, "代理项"),
        ("码头\x1b[31m", True, "控制字符"),
        ("码头\x85", True, "控制字符"),  # C1 (next line)
        ("码头\n东侧", False, "换行符"),
        ("码头\t东侧", False, "换行符"),
    ],
)
def test_text_problem_names_what_is_wrong(value: str, multiline: bool, reason: str) -> None:
    problem = text_problem(value, multiline=multiline)
    assert problem is not None and reason in problem


@pytest.mark.parametrize("value", ["码头，东侧（ＡＢ）", "第一行\r\n第二行\t缩进", "😀‍👩", ""])
def test_ordinary_text_passes_unchanged(value: str) -> None:
    assert text_problem(value, multiline=True) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, True),
        ("42", True),
        (MAX_ID, True),
        (str(MAX_ID), True),
        (MAX_ID + 1, False),
        (str(2**64), False),
        ("9" * 5000, False),
        (0, False),
        (-1, False),
        ("-1", False),
        ("²", False),
        ("١٢", False),
        ("1e3", False),
        (True, False),
        (None, False),
        (1.0, False),
    ],
)
def test_ids_are_one_to_the_largest_bigint(value: Any, expected: bool) -> None:
    assert is_valid_id(value) is expected


def test_parse_id_gives_none_for_anything_no_record_can_have() -> None:
    assert parse_id(" 17 ") == 17
    assert parse_id(str(2**63)) is None
    assert parse_id("²") is None
    assert parse_id(None) is None


def test_safe_text_drops_characters_the_database_refuses() -> None:
    assert safe_text(" 张\x00三\x1b ", limit=50) == "张三"
    assert safe_text("张" * 80, limit=50) == "张" * 50
    assert safe_text(None, limit=50) == ""


def test_find_unsafe_value_names_the_nested_field() -> None:
    body = {"summary": "ok", "subjects": [{"name": "ok"}, {"name": "张\x00三"}]}
    assert find_unsafe_value(body) == ("subjects.1.name", "不能包含空字符（NUL）")
    assert find_unsafe_value({"village_id": 2**63})[0] == "village_id"  # type: ignore[index]
    assert find_unsafe_value({"village_id": -(2**63)}) is None
    assert find_unsafe_value({"a\x00": 1})[0] == "a\x00"  # type: ignore[index]
    assert find_unsafe_value({"ok": [1, "两行\n文字", None, True]}) is None


class _MeetingLikeForm(StyledForm):
    title = forms.CharField(max_length=50)
    minutes = forms.CharField(widget=forms.Textarea, required=False)
    chair = forms.ModelChoiceField(queryset=User.objects.all(), required=False)
    attendees = forms.ModelMultipleChoiceField(queryset=User.objects.all(), required=False)


@pytest.mark.django_db
@pytest.mark.parametrize("huge", ["99999999999999999999999", str(2**63), "9" * 5000])
def test_a_huge_id_in_a_multi_select_is_a_form_error_not_a_server_error(huge: str) -> None:
    form = _MeetingLikeForm(data={"title": "会议", "attendees": [huge]})
    assert not form.is_valid()
    assert "attendees" in form.errors


@pytest.mark.django_db
def test_a_huge_id_in_a_select_is_a_form_error() -> None:
    form = _MeetingLikeForm(data={"title": "会议", "chair": str(2**64)})
    assert not form.is_valid()
    assert "chair" in form.errors


@pytest.mark.django_db
def test_text_fields_refuse_control_characters_and_line_breaks_only_where_single_line() -> None:
    form = _MeetingLikeForm(data={"title": "会议\x1b", "minutes": "一\r\n二\x07"})
    assert not form.is_valid()
    assert "控制字符" in form.errors["title"][0]
    assert "控制字符" in form.errors["minutes"][0]
    form = _MeetingLikeForm(data={"title": "会议", "minutes": "一\r\n二\t三"})
    assert form.is_valid(), form.errors


def test_checked_text_trims_and_refuses_what_is_missing_or_too_long() -> None:
    assert checked_text("  村东砂场 ", field="place", label="地点", limit=4) == "村东砂场"
    assert checked_text(None, field="place", label="地点", limit=4) == ""
    with pytest.raises(ServiceError) as missing:
        checked_text(" \n ", field="place", label="地点", limit=4, required=True)
    assert (missing.value.message, missing.value.field) == ("请填写地点", "place")
    with pytest.raises(ServiceError) as too_long:
        checked_text("村东头砂场", field="place", label="地点", limit=4)
    assert (too_long.value.message, too_long.value.field) == ("地点不能超过4个字", "place")
