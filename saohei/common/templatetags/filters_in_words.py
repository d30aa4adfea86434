"""`{{ form|filters_in_words }}`: a list's filters as the printed page and the .xlsx title say them;
`{{ query|search_shown }}`: a search repeated on its page."""

from django import forms, template

from saohei.common.forms import describe_filters
from saohei.common.search import masked_query

register = template.Library()


@register.filter
def filters_in_words(form: forms.Form) -> str:
    return describe_filters(form) or "全部"


@register.filter
def search_shown(query: str) -> str:
    """A search query as a page may repeat it: ID numbers and mobiles masked."""
    return masked_query(query or "")
