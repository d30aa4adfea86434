"""Files sent to the API: the pages' checks (`common.uploads`), and names that can be stored."""

from collections.abc import Sequence

from django.core.files.uploadedfile import UploadedFile

from saohei.common.errors import ServiceError
from saohei.common.uploads import CheckedUpload, check_uploads
from saohei.common.validation import text_problem


def checked_files(files: Sequence[UploadedFile], *, field: str) -> list[CheckedUpload]:
    """At least one file; each name storable (no NUL or control character, as every text of the
    API), then size, count and the real type read from the content, as on the pages."""
    if not files:
        raise ServiceError("请至少上传一个文件", field=field)
    for upload in files:
        problem = text_problem(upload.name or "", multiline=False)
        if problem:
            raise ServiceError(f"文件名{problem}", field=field)
    return check_uploads(list(files), field=field)
