"""`{{ form|filters_in_words }}`: a list's filters as the printed page and the .xlsx title say them."""

from django import forms, template

from saohei.common.forms import describe_filters

register = template.Library()


@register.filter
def filters_in_words(form: forms.Form) -> str:
    return describe_filters(form) or "全部"
