"""`{% file_item url file %}`: an uploaded file as people know it — a thumbnail for a picture,
"Word 文档" or "PDF" and the size for the rest; its digest only where a page asks for it."""

from typing import Any

from django import template

from saohei.common.thumbnails import is_image

register = template.Library()

# (label, short label on the icon) by the content type check_uploads read from the bytes.
_KINDS: dict[str, tuple[str, str]] = {
    "image/jpeg": ("JPEG 图片", "图片"),
    "image/png": ("PNG 图片", "图片"),
    "image/gif": ("GIF 图片", "图片"),
    "image/heic": ("HEIC 图片", "图片"),
    "image/heif": ("HEIF 图片", "图片"),
    "application/pdf": ("PDF 文件", "PDF"),
    "audio/mpeg": ("MP3 录音", "录音"),
    "audio/wav": ("WAV 录音", "录音"),
    "audio/mp4": ("M4A 录音", "录音"),
    "video/mp4": ("MP4 视频", "视频"),
}
# Office files all sniff as ZIP; check_office_file has vouched for the package, so the name's
# extension tells Word from Excel.
_OFFICE_KINDS: dict[str, tuple[str, str]] = {
    "docx": ("Word 文档", "Word"),
    "xlsx": ("Excel 表格", "Excel"),
    "xlsm": ("Excel 表格", "Excel"),
    "pptx": ("PowerPoint 演示文稿", "PPT"),
}


def file_kind(content_type: str, name: str = "") -> tuple[str, str]:
    """The file's kind in Chinese, long and short: ("Word 文档", "Word")."""
    if content_type == "application/zip":
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        return _OFFICE_KINDS.get(extension, ("Office 文档", "Office"))
    return _KINDS.get(content_type, ("文件", "文件"))


@register.inclusion_tag("includes/file_item.html")
def file_item(url: str, file: Any, name: str = "", show_digest: bool = False) -> dict[str, Any]:
    """`file` is any stored upload with content_type, size and sha256; `name` defaults to its
    str() (the original name, or 附件N.jpg for a reporter's file, whose name is not kept)."""
    name = name or str(file)
    label, short_label = file_kind(file.content_type, name)
    return {
        "url": url,
        "thumb_url": f"{url}?thumb=1" if is_image(file.content_type) else "",
        "name": name,
        "label": label,
        "short_label": short_label,
        "size": file.size,
        "digest": file.sha256 if show_digest else "",
    }
