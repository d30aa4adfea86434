from typing import Any

from django import forms
from django.core.validators import RegexValidator

from saohei.common.forms import StyledForm
from saohei.common.roles import Role
from saohei.organisations.models import GroupRole, Unit, UnitKind, UnitQuerySet
from saohei.organisations.pickers import PersonChoiceField
from saohei.organisations.pickers import UnitChoiceField as TreeOrderedUnitChoiceField

phone_validator = RegexValidator(
    r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$",
    "请输入11位手机号或带区号的固定电话，如 13912345678 或 0631-7654321",
)
username_validator = RegexValidator(
    r"^[A-Za-z][A-Za-z0-9_.-]{2,29}$",
    "用户名须以字母开头，3～30位，只能含字母、数字、下划线、点和短横线",
)


class UnitChoiceField(TreeOrderedUnitChoiceField):
    """A unit of the org tree, indented by its depth, in the tree's order."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{'　' * obj.depth}{obj.name}"


class UnitCreateForm(StyledForm):
    name = forms.CharField(label="名称", max_length=100)
    kind = forms.ChoiceField(label="类型", choices=UnitKind.choices)
    parent = UnitChoiceField(label="上级单位", queryset=Unit.objects.none(), empty_label="请选择")
    code = forms.RegexField(
        label="代码",
        regex=r"^[A-Z0-9]{0,16}$",
        required=False,
        max_length=16,
        help_text="大写字母或数字；镇的代码用作线索编号前缀，如 GX",
        error_messages={"invalid": "代码只能包含大写字母和数字"},
    )
    sort_order = forms.IntegerField(label="排序", min_value=0, max_value=100000, initial=0)

    def __init__(self, *args: Any, parents: UnitQuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = parents.active()  # type: ignore[attr-defined]


class UnitEditForm(StyledForm):
    name = forms.CharField(label="名称", max_length=100)
    code = UnitCreateForm.base_fields["code"]
    sort_order = forms.IntegerField(label="排序", min_value=0, max_value=100000)
    is_active = forms.BooleanField(label="启用", required=False)


class AccountForm(StyledForm):
    real_name = forms.CharField(label="姓名", max_length=50)
    position = forms.CharField(label="职务", max_length=100, required=False)
    phone = forms.CharField(
        label="手机号", max_length=20, required=False, validators=[phone_validator]
    )
    unit = UnitChoiceField(label="所在单位", queryset=Unit.objects.none(), empty_label="请选择")

    def __init__(self, *args: Any, units: UnitQuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units.active()  # type: ignore[attr-defined]


class AccountCreateForm(AccountForm):
    username = forms.CharField(label="用户名", max_length=30, validators=[username_validator])
    field_order = ["username", "real_name", "position", "phone", "unit"]


class RoleGrantForm(StyledForm):
    role = forms.ChoiceField(label="角色", choices=Role.choices)
    unit = UnitChoiceField(
        label="作用单位",
        queryset=Unit.objects.none(),
        required=False,
        empty_label="（默认：本人所在单位）",
        help_text="角色作用于该单位及其下属单位。",
    )

    def __init__(self, *args: Any, units: UnitQuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units.active()  # type: ignore[attr-defined]


class GroupMemberForm(StyledForm):
    user = PersonChoiceField(label="人员")
    group_role = forms.ChoiceField(label="小组职务", choices=GroupRole.choices)
    title = forms.CharField(
        label="本职", max_length=100, required=False, help_text="留空则取其职务"
    )

    def __init__(self, *args: Any, candidates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = candidates  # type: ignore[attr-defined]
