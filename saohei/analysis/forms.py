from django import forms
from django.core.exceptions import ValidationError

from saohei.analysis.queries import MAX_QUERY_LENGTH, PersonQuery, parse_person_query
from saohei.analysis.services import REASON_MAX_LENGTH
from saohei.common.errors import ServiceError
from saohei.common.forms import StyledForm


class PersonSearchForm(StyledForm):
    q = forms.CharField(
        label="查找人员",
        required=False,
        max_length=MAX_QUERY_LENGTH,
        error_messages={"max_length": f"查询内容过长：最多 {MAX_QUERY_LENGTH} 个字"},
        widget=forms.TextInput(
            attrs={"placeholder": "姓名、身份证号（或 370982********1234、后四位）、手机号、车牌号"}
        ),
    )

    def clean_q(self) -> PersonQuery | None:
        try:
            return parse_person_query(self.cleaned_data["q"])
        except ServiceError as error:
            raise ValidationError(error.message, code="invalid") from error


def _reason_field(*, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label="理由",
        required=required,
        max_length=REASON_MAX_LENGTH,
        error_messages={
            "required": "请填写理由",
            "max_length": f"理由不能超过 {REASON_MAX_LENGTH} 个字",
        },
    )


class ReasonForm(StyledForm):
    reason = _reason_field()


class OptionalReasonForm(StyledForm):
    reason = _reason_field(required=False)


class MergeForm(StyledForm):
    other = forms.IntegerField(
        label="合并对象",
        min_value=1,
        max_value=2**63 - 1,
        error_messages={"required": "请选择要合并的人员", "invalid": "请选择要合并的人员"},
    )
    reason = _reason_field()


class ExclusionForm(StyledForm):
    mobile = forms.CharField(
        label="手机号",
        max_length=20,
        error_messages={"required": "请填写手机号", "max_length": "手机号应为以1开头的11位数字"},
    )
    reason = _reason_field()
