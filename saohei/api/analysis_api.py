"""/api/v1/analysis — 研判. Extraction answers any valid token: it reads nothing stored and
stores nothing; the token's use is audited as every call is (`services.authenticate_token`),
never the text, which may name people."""

from django.http import HttpRequest
from ninja import Field, Router, Schema
from pydantic import StrictStr

from saohei.analysis.extraction import extract
from saohei.api.schemas import ErrorResponse
from saohei.organisations.access import content_units
from saohei.organisations.models import User

router = Router(tags=["研判"])

# A long 谈话记录 is a few thousand characters; the limit keeps one call to about a second of CPU.
MAX_TEXT_LENGTH = 10_000


class ExtractIn(Schema):
    text: StrictStr = Field(
        max_length=MAX_TEXT_LENGTH, description="案情、线索摘要、举报内容等叙述"
    )


class SpanOut(Schema):
    text: str
    start: int = Field(description="起始字符位置（含），指向所提交的原文")
    end: int = Field(description="结束字符位置（不含）")


class IdNumberOut(SpanOut):
    valid: bool = Field(description="校验码、出生日期和地区码是否有效")


class PlaceOut(SpanOut):
    province: str | None
    city: str | None
    county: str | None


class ExtractionOut(Schema):
    persons: list[SpanOut]
    id_numbers: list[IdNumberOut]
    phones: list[SpanOut]
    plates: list[SpanOut]
    places: list[PlaceOut]


ERRORS = {400: ErrorResponse, 401: ErrorResponse, 422: ErrorResponse}


@router.post(
    "/extract",
    response={200: ExtractionOut, **ERRORS},
    summary="识别叙述中的人名、证件号、手机号、车牌和地名",
)
def extract_from_text(request: HttpRequest, payload: ExtractIn) -> ExtractionOut:
    """Suggestions only. The org tree's unit names the account may see help find local places."""
    user: User = request.auth  # type: ignore[attr-defined]
    local_places = list(content_units(user).values_list("name", flat=True))
    found = extract(payload.text, local_places=local_places)
    return ExtractionOut(
        persons=[SpanOut(**vars(span)) for span in found.persons],
        id_numbers=[IdNumberOut(**vars(span)) for span in found.id_numbers],
        phones=[SpanOut(**vars(span)) for span in found.phones],
        plates=[SpanOut(**vars(span)) for span in found.plates],
        places=[PlaceOut(**vars(span)) for span in found.places],
    )
