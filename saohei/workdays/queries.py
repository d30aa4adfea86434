from django.http import Http404

from saohei.workdays.models import CalendarOverride, CalendarOverrideQuerySet


def list_overrides(*, year: int) -> CalendarOverrideQuerySet:
    return CalendarOverride.objects.in_year(year).select_related("created_by").order_by("day")


def get_override(override_id: int) -> CalendarOverride:
    """Any signed-in editor may reach any override: the calendar has no unit scope."""
    override = CalendarOverride.objects.filter(pk=override_id).first()
    if override is None:
        raise Http404("该日历调整不存在或已被删除")
    return override
