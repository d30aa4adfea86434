"""Small JPEG previews of uploaded images, stored beside the file and served by the same
access-checked view that serves the file (decision 0022)."""

import io
import logging

from django.core.files.base import ContentFile
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest
from PIL import Image, ImageOps
from pillow_heif import register_heif_opener

logger = logging.getLogger(__name__)

# iPhone photos (HEIC) are decoded for their thumbnail like any other picture (decision 0037).
register_heif_opener()

# The longer side of a thumbnail, in pixels: the 96 px preview stays sharp on a 2x screen.
THUMBNAIL_SIZE = 256
THUMBNAIL_SUFFIX = ".thumb.jpg"
# What check_uploads reads as a picture; the rest get a type label instead.
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/heic", "image/heif"})
# A phone photo is ~12-50 MP; anything far larger is refused before it is decoded.
_MAX_PIXELS = 80_000_000


def is_image(content_type: str) -> bool:
    return content_type in IMAGE_TYPES


def thumbnail_name(file: FieldFile) -> str:
    # The stored name (the digest, perhaps with a storage suffix) plus a fixed suffix.
    return f"{file.name}{THUMBNAIL_SUFFIX}"


def make_thumbnail(file: FieldFile, content_type: str) -> bool:
    """Write the thumbnail beside `file`; False (and nothing written) when it is not an image
    Pillow can read. Re-encoding drops EXIF, so a photo's GPS position never reaches a preview."""
    if not file or not is_image(content_type):
        return False
    try:
        with file.open("rb") as stored, Image.open(stored) as image:
            if image.width * image.height > _MAX_PIXELS:
                return False
            image.draft("RGB", (THUMBNAIL_SIZE, THUMBNAIL_SIZE))  # JPEG: decode at 1/2..1/8 size
            # Phones store portrait photos sideways with an orientation tag.
            picture = ImageOps.exif_transpose(image)
            picture.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))
            output = io.BytesIO()
            _flatten(picture).save(output, "JPEG", quality=80, optimize=True)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        # A truncated or fake image keeps its type label; the file itself is still there.
        logger.info("No thumbnail for %s: %s", file.name, type(error).__name__)
        return False
    name = thumbnail_name(file)
    if file.storage.exists(name):
        file.storage.delete(name)
    file.storage.save(name, ContentFile(output.getvalue()))
    return True


def _flatten(picture: Image.Image) -> Image.Image:
    """RGB on white: JPEG has no transparency, and a transparent PNG would turn black."""
    if picture.mode in ("RGBA", "LA", "P"):
        rgba = picture.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return picture.convert("RGB")


def wants_thumbnail(request: HttpRequest) -> bool:
    return request.GET.get("thumb") == "1"


def thumbnail_response(file: FieldFile, content_type: str) -> FileResponse:
    """The thumbnail, made now if the upload predates thumbnails; 404 when there is none.

    The caller has already checked access exactly as for the file; a preview is not a download,
    so it is not audited. Shown inline: it is our own re-encoded JPEG, not the uploaded bytes.
    """
    name = thumbnail_name(file)
    if not file.storage.exists(name) and not make_thumbnail(file, content_type):
        raise Http404("没有缩略图")
    return FileResponse(file.storage.open(name, "rb"), content_type="image/jpeg")
