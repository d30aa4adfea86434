"""The version an API edit was based on (decision 0056): the payload's `version`, or the
`If-Match` header carrying it (`"3"`, `W/"3"` or `3`). A stale one is refused with 409 by the
service's own check (`common.rows.check_version`); an edit sent without either is not checked,
as before."""

from django.http import HttpRequest

from saohei.common.errors import ServiceError
from saohei.common.validation import parse_id

BAD_IF_MATCH = 'If-Match 头应为记录的版本号（读取记录时返回的 version），如 "3"'


def edit_version(request: HttpRequest, payload_version: int | None) -> int | None:
    """The version to check the edit against; refused when the header and the payload disagree."""
    header = request.headers.get("If-Match", "").strip()
    from_header = _parse_if_match(header) if header else None
    if from_header is not None and payload_version is not None and from_header != payload_version:
        raise ServiceError("If-Match 头与请求体中的 version 不一致", field="version")
    if payload_version is not None and payload_version < 1:
        raise ServiceError("version 应为正整数", field="version")
    return payload_version if payload_version is not None else from_header


def _parse_if_match(header: str) -> int:
    text = header.removeprefix("W/").strip().strip('"')
    version = parse_id(text) if text.isascii() and text.isdigit() else None
    if version is None:
        raise ServiceError(BAD_IF_MATCH, field="If-Match")
    return version
