"""Files the API answers with (exports, attachments): the OpenAPI document names the media type
and a binary body, so a client and the schema fuzz know a 200 is a file, not JSON."""

from typing import Any

from django.http import HttpResponse
from django.utils.http import content_disposition_header

# Uploaded files keep the type read from their content (images, PDF, Office documents, …).
ANY_FILE = "*/*"


def binary_200(media_type: str, description: str) -> dict[str, Any]:
    """`openapi_extra` for an operation whose 200 is a file of `media_type`."""
    return {
        "responses": {
            200: {
                "description": description,
                "content": {media_type: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    }


def download(content: bytes, *, name: str, content_type: str) -> HttpResponse:
    """Generated content as an attachment, as the pages send their exports."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    return response
