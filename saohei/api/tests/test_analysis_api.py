"""POST /api/v1/analysis/extract: any staff token, nothing stored, bad input a 4xx in the shape."""

import json
from collections.abc import Callable

import pytest
from django.test import Client

from saohei.api.analysis_api import MAX_TEXT_LENGTH
from saohei.api.services import create_api_token
from saohei.audit.models import AuditAction, AuditEvent
from saohei.organisations.models import User

pytestmark = pytest.mark.django_db
UserGetter = Callable[[str], User]
URL = "/api/v1/analysis/extract"
TEXT = (
    "村主任张三和李某某在港西镇港西村打人，外号“刀疤”的欧阳小明开着鲁Ｋ·Ｄ１２３４５跑了，"
    "电话１３９ ０５３１ ２４６８，身份证号370281200307268626，另一个号370281200307268629。"
)
# One account for each role of the demo town, the 三员 and the custodian included.
ROLE_ACCOUNTS = [
    "shuji",
    "fushuji",
    "banshi",
    "cun02",
    "minjing",
    "shiban",
    "baoguan",
    "xitong",
    "anquan",
    "shenji",
]


def _post(body: object, token: str | None = None, raw: str | None = None):  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    data = raw if raw is not None else json.dumps(body)
    return Client().post(URL, data=data, content_type="application/json", headers=headers)


def test_anonymous_caller_gets_401_in_the_error_shape(demo: None) -> None:
    response = _post({"text": TEXT})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("username", ROLE_ACCOUNTS)
def test_a_token_of_every_role_may_extract(user: UserGetter, username: str) -> None:
    _, token = create_api_token(user=user(username), name="研判")
    response = _post({"text": TEXT}, token)
    assert response.status_code == 200
    assert set(response.json()) == {"persons", "id_numbers", "phones", "plates", "places"}


def test_offsets_slice_back_to_the_text_as_sent(user: UserGetter) -> None:
    _, token = create_api_token(user=user("banshi"), name="研判")
    body = _post({"text": TEXT}, token).json()
    for kind in ("persons", "id_numbers", "phones", "plates", "places"):
        for item in body[kind]:
            assert TEXT[item["start"] : item["end"]] == item["text"], kind
    assert [p["text"] for p in body["persons"]] == ["张三", "李某某", "刀疤", "欧阳小明"]
    assert [(i["text"], i["valid"]) for i in body["id_numbers"]] == [
        ("370281200307268626", True),
        ("370281200307268629", False),
    ]
    assert [p["text"] for p in body["phones"]] == ["１３９ ０５３１ ２４６８"]
    assert [p["text"] for p in body["plates"]] == ["鲁Ｋ·Ｄ１２３４５"]
    # 港西镇 and 港西村 are units of the org tree the account may see.
    assert [p["text"] for p in body["places"]] == ["港西镇港西村"]


def test_nothing_is_stored_and_the_text_is_not_audited(user: UserGetter) -> None:
    _, token = create_api_token(user=user("banshi"), name="研判")
    before = AuditEvent.objects.count()
    _post({"text": TEXT}, token)
    events = AuditEvent.objects.order_by("pk")[before:]
    assert [event.action for event in events] == [AuditAction.API_TOKEN_USED]
    assert "张三" not in str(events[0].details) and "370281" not in str(events[0].details)


@pytest.mark.parametrize(
    ("body", "raw", "status", "message"),
    [
        ({}, None, 422, "必填"),
        ({"text": 12345}, None, 422, "应为文本"),
        ({"text": None}, None, 422, "应为文本"),
        ({"text": ["张三"]}, None, 422, "应为文本"),
        ({"text": "张" * (MAX_TEXT_LENGTH + 1)}, None, 422, f"不能超过{MAX_TEXT_LENGTH}字"),
        ({"text": "张三\x00"}, None, 422, None),
        (None, "{not json", 400, None),
    ],
)
def test_bad_input_is_a_4xx_in_the_chinese_error_shape(
    user: UserGetter, body: object, raw: str | None, status: int, message: str | None
) -> None:
    _, token = create_api_token(user=user("banshi"), name="研判")
    response = _post(body, token, raw=raw)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["message"]
    if message:
        assert error["fields"]["text"] == [message]


def test_the_longest_text_allowed_and_an_empty_one_are_answered(user: UserGetter) -> None:
    _, token = create_api_token(user=user("banshi"), name="研判")
    assert _post({"text": ""}, token).json()["persons"] == []
    response = _post({"text": ("王德顺在港西村。" * 2000)[:MAX_TEXT_LENGTH]}, token)
    assert response.status_code == 200
    assert len(response.json()["persons"]) >= 1000
