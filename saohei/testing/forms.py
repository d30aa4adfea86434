"""Reading a refused form back from the page: the field as typed and the error it points at."""

import lxml.html
from django.http import HttpResponseBase


def refused_field(response: HttpResponseBase, field_id: str) -> tuple[lxml.html.HtmlElement, str]:
    """The widget `field_id` of a re-rendered form and the text of the error its
    `aria-describedby` names; fails unless the widget is marked `aria-invalid`."""
    page = lxml.html.fromstring(response.content.decode())  # type: ignore[attr-defined]
    widget = page.get_element_by_id(field_id)
    assert widget.get("aria-invalid") == "true", f"{field_id} is not marked invalid"
    described = (widget.get("aria-describedby") or "").split()
    errors = [page.get_element_by_id(i) for i in described if i.endswith("_error")]
    assert errors, f"{field_id} points at no error"
    return widget, " ".join(e.text_content().strip() for e in errors)
