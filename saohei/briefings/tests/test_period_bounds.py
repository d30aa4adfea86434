"""A briefing's period from text (URL, `briefing` command) is bounded like every other date."""

import pytest

from saohei.briefings.forms import parse_period
from saohei.common.errors import ServiceError


@pytest.mark.parametrize(
    ("raw_from", "raw_to", "message"),
    [
        ("0001-01-01", "", "起始日期不能早于2000年1月1日"),
        ("", "2999-12-31", "截止日期不能晚于2099年12月31日"),
    ],
)
def test_a_period_outside_the_platforms_dates_is_refused(
    raw_from: str, raw_to: str, message: str
) -> None:
    with pytest.raises(ServiceError) as refused:
        parse_period(raw_from, raw_to)

    assert refused.value.message == message
