"""Real pictures for upload tests: Pillow must be able to open them, unlike a bare signature."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from saohei.common.uploads import CheckedUpload, check_uploads

# EXIF tag 0x010F (Make): a phone writes it, with the GPS position, into every photo.
EXIF_MAKE = 0x010F


def image_bytes(image_format: str = "JPEG", size: tuple[int, int] = (1200, 800)) -> bytes:
    """A striped picture of `size` with an EXIF Make tag (JPEG, HEIF) or transparency (PNG).
    "HEIF" is an iPhone photo as the phone writes it (brand `heic`, HEVC inside), written by
    pillow-heif, which `common.thumbnails` registers with Pillow."""
    mode = "RGBA" if image_format == "PNG" else "RGB"
    image = Image.new(mode, size, (200, 30, 30, 0) if mode == "RGBA" else (200, 30, 30))
    for x in range(0, size[0], 40):
        image.paste((20, 90, 160) if mode == "RGB" else (20, 90, 160, 255), (x, 0, x + 20, size[1]))
    output = io.BytesIO()
    if image_format in ("JPEG", "HEIF"):
        exif = Image.Exif()
        exif[EXIF_MAKE] = "TestPhone"
        image.save(output, image_format, exif=exif)
    else:
        image.save(output, image_format)
    return output.getvalue()


def checked_image(
    name: str = "现场照片.jpg", image_format: str = "JPEG", size: tuple[int, int] = (1200, 800)
) -> list[CheckedUpload]:
    return check_uploads([SimpleUploadedFile(name, image_bytes(image_format, size))])
