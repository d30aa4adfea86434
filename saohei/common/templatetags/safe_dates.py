"""`{{ value|safe_date:"Y-m-d H:i" }}`: Django's `date` filter that never breaks a page.

A builtin (settings.TEMPLATES), used by every template in place of `date`.
"""

import datetime

from django import template

from saohei.common.dates import format_date

register = template.Library()


@register.filter(expects_localtime=False, is_safe=False)
def safe_date(value: datetime.date | datetime.datetime | None, pattern: str = "Y-m-d") -> str:
    return format_date(value, pattern)
