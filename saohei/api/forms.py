import datetime

from django import forms
from django.utils import timezone

from saohei.api.models import TokenScope
from saohei.common.dates import DateKind, date_field
from saohei.common.forms import StyledForm


class Expiry:
    """The choices of the expiry field: none, a number of days, or a date picked below."""

    NONE = "none"
    ON_DATE = "date"
    CHOICES = [
        (NONE, "长期有效（直到吊销）"),
        ("30", "30 天"),
        ("90", "90 天"),
        ("365", "365 天"),
        (ON_DATE, "指定日期"),
    ]


class TokenCreateForm(StyledForm):
    name = forms.CharField(label="名称", max_length=100, help_text="用途，便于日后辨认和吊销")
    scope = forms.ChoiceField(
        label="权限范围",
        choices=TokenScope.choices,
        initial=TokenScope.READ_ONLY,
        widget=forms.RadioSelect,
        help_text="只读令牌只能查询；读写令牌可代表本账号新增和修改记录",
    )
    expiry = forms.ChoiceField(label="有效期", choices=Expiry.CHOICES, initial="90")
    expires_on = date_field(
        DateKind.DEADLINE,
        label="到期日期",
        required=False,
        help_text="选择“指定日期”时填写；令牌在该日结束时失效",
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.add_cross_check(_check_expiry_date)

    def expires_at(self) -> datetime.datetime | None:
        """The moment the token stops working, from the choice made (after `is_valid`)."""
        choice = self.cleaned_data["expiry"]
        if choice == Expiry.NONE:
            return None
        if choice == Expiry.ON_DATE:
            day_after = self.cleaned_data["expires_on"] + datetime.timedelta(days=1)
            return timezone.make_aware(datetime.datetime.combine(day_after, datetime.time()))
        return timezone.now() + datetime.timedelta(days=int(choice))


def _check_expiry_date(form: TokenCreateForm) -> None:
    if form.cleaned_data.get("expiry") != Expiry.ON_DATE:
        return
    day = form.cleaned_data.get("expires_on")
    if day is None:
        if "expires_on" not in form.errors:
            form.add_error("expires_on", "选择“指定日期”时请填写到期日期")
    elif day < timezone.localdate():
        form.add_error("expires_on", "到期日期不能早于今天")
