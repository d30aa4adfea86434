from django import forms

from saohei.accounts.passwords import PolicyPasswordValidator
from saohei.common.forms import StyledForm
from saohei.common.roles import Role


class LoginForm(StyledForm):
    username = forms.CharField(label="用户名", max_length=150)
    password = forms.CharField(label="密码", max_length=128, widget=forms.PasswordInput)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


class TokenForm(StyledForm):
    token = forms.RegexField(
        label="动态口令",
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": "请输入手机验证器上显示的6位数字"},
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["token"].widget.attrs.update(
            {"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        )


class PasswordChangeForm(StyledForm):
    old_password = forms.CharField(label="原密码", widget=forms.PasswordInput, max_length=128)
    new_password = forms.CharField(label="新密码", widget=forms.PasswordInput, max_length=128)
    new_password_again = forms.CharField(
        label="再次输入新密码", widget=forms.PasswordInput, max_length=128
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["new_password"].help_text = PolicyPasswordValidator().get_help_text()

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        if cleaned.get("new_password") and cleaned.get("new_password") != cleaned.get(
            "new_password_again"
        ):
            self.add_error("new_password_again", "两次输入的新密码不一致")
        return cleaned


class SecurityPolicyForm(StyledForm):
    password_min_length = forms.IntegerField(label="密码最小长度", min_value=8, max_value=64)
    password_min_classes = forms.IntegerField(
        label="密码至少包含的字符类别数", min_value=1, max_value=4
    )
    password_max_age_days = forms.IntegerField(
        label="密码有效期（天，0 表示不过期）", min_value=0, max_value=3650
    )
    lockout_threshold = forms.IntegerField(label="连续失败锁定次数", min_value=1, max_value=10)
    lockout_minutes = forms.IntegerField(label="锁定时长（分钟）", min_value=1, max_value=1440)
    idle_timeout_minutes = forms.IntegerField(label="空闲超时（分钟）", min_value=1, max_value=30)
    totp_required_roles = forms.MultipleChoiceField(
        label="须使用动态口令（双因素）的角色",
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class PasswordResetRequestForm(StyledForm):
    reason = forms.CharField(label="重置密码的原因", max_length=200)
