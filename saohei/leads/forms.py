from typing import Any

from django import forms
from django.utils import timezone

from saohei.common.dates import DateKind, date_field, datetime_field
from saohei.common.forms import (
    DATE_INPUT,
    MultipleFileField,
    PlatesField,
    SearchField,
    StyledForm,
    id_number_validator,
    mobile_validator,
    version_field,
)
from saohei.common.roles import WORKING_ROLES
from saohei.leads.models import (
    Channel,
    Conclusion,
    DictionaryEntry,
    DictionaryKind,
    Satisfaction,
    Source,
    Status,
    SubjectRole,
)
from saohei.organisations.models import Unit
from saohei.organisations.pickers import (
    PersonChoiceField,
    UnitChoiceField,
    VillageFilterField,
    narrow_by_unit,
    people_for,
)

# The browser's local draft (static/saohei/idle.js, decision 0019) never holds these: a
# reporter's identity and a subject's sealed numbers stay off a shared office PC's disk.
NOT_IN_DRAFTS = {"data-draft-skip": ""}


class LeadForm(StyledForm):
    received_at = datetime_field(
        DateKind.EVENT,
        label="受理时间",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    channel = forms.ChoiceField(label="受理渠道", choices=Channel.choices)
    source = forms.ChoiceField(label="线索来源", choices=Source.choices)
    upstream_office = forms.CharField(
        label="交办单位", max_length=100, required=False, help_text="上级交办时必填"
    )
    upstream_reference = forms.CharField(label="交办文号", max_length=100, required=False)
    upstream_deadline = date_field(
        DateKind.DEADLINE, label="上级要求办结日期", required=False, widget=DATE_INPUT
    )
    village = UnitChoiceField(label="所属村", required=False, empty_label="（不限）")
    place = forms.CharField(label="地点", max_length=200, required=False)
    target_category = forms.ModelChoiceField(
        label="线索类别",
        queryset=DictionaryEntry.objects.none(),
        required=False,
        empty_label="请选择",
    )
    offence_types = forms.ModelMultipleChoiceField(
        label="涉嫌违法犯罪类型",
        queryset=DictionaryEntry.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    summary = forms.CharField(
        label="简要内容",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="时间、地点、人物、原因、后果、被害人、证人、处理情况",
    )
    narrative = forms.CharField(
        label="详细情况", required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    involves_official = forms.BooleanField(label="涉及公职人员（保护伞）", required=False)
    reporter_name = forms.CharField(label="举报人姓名", max_length=50, required=False)
    reporter_phone = forms.CharField(
        label="举报人电话", max_length=20, required=False, validators=[mobile_validator]
    )
    reporter_id_number = forms.CharField(
        label="举报人身份证号", max_length=20, required=False, validators=[id_number_validator]
    )
    reporter_address = forms.CharField(label="举报人住址", max_length=200, required=False)
    attachments = MultipleFileField(
        label="附件", help_text="图片、PDF、Office文档、音视频；单个不超过20MB，最多10个"
    )

    REPORTER_FIELDS = ("reporter_name", "reporter_phone", "reporter_id_number", "reporter_address")

    def __init__(self, *args: Any, town: Unit, sources: list[Source], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the sources this account may register (a supervisor: 上级交办 alone).
        source_field = self.fields["source"]
        assert isinstance(source_field, forms.ChoiceField)
        source_field.choices = [(source.value, source.label) for source in sources]
        if len(sources) == 1:
            source_field.initial = sources[0].value
        _choose_village_and_category(self, town)
        self.set_queryset(
            "offence_types",
            DictionaryEntry.objects.filter(kind=DictionaryKind.OFFENCE_TYPE, is_active=True),
        )
        self.fields["received_at"].initial = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
        for name in self.REPORTER_FIELDS:
            self.fields[name].widget.attrs.update(NOT_IN_DRAFTS)


def _choose_village_and_category(form: StyledForm, town: Unit) -> None:
    form.set_queryset("village", Unit.objects.filter(parent=town).villages().active())
    form.set_queryset(
        "target_category",
        DictionaryEntry.objects.filter(kind=DictionaryKind.TARGET_CATEGORY, is_active=True),
    )


class FactsForm(StyledForm):
    """更正登记信息: the registered facts the office may correct while the lead is open, asked
    as at 登记 (each form instance gets its own copy of a declared field)."""

    summary = LeadForm.base_fields["summary"]
    narrative = LeadForm.base_fields["narrative"]
    village = LeadForm.base_fields["village"]
    place = LeadForm.base_fields["place"]
    target_category = LeadForm.base_fields["target_category"]
    version = version_field()

    def __init__(self, *args: Any, town: Unit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choose_village_and_category(self, town)


class SubjectForm(StyledForm):
    name = forms.CharField(label="姓名", max_length=50, required=False)
    alias = forms.CharField(label="绰号", max_length=50, required=False)
    id_number = forms.CharField(
        label="身份证号", max_length=20, required=False, validators=[id_number_validator]
    )
    phone = forms.CharField(
        label="手机号", max_length=20, required=False, validators=[mobile_validator]
    )
    address = forms.CharField(label="住址", max_length=200, required=False)
    village = forms.ModelChoiceField(
        label="所属村", queryset=Unit.objects.none(), required=False, empty_label="—"
    )
    role = forms.ChoiceField(
        label="身份", choices=SubjectRole.choices, initial=SubjectRole.REPORTED
    )
    position = forms.CharField(label="职务", max_length=100, required=False)
    plates = PlatesField()

    def __init__(self, *args: Any, town: Unit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_queryset("village", Unit.objects.filter(parent=town).villages().active())
        for name in ("id_number", "phone"):
            self.fields[name].widget.attrs.update(NOT_IN_DRAFTS)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        has_other = any(
            cleaned.get(f) for f in ("alias", "id_number", "phone", "address", "position", "plates")
        )
        if has_other and not cleaned.get("name"):
            self.add_error("name", "填写了被反映人信息时须填写姓名")
        return cleaned


class SubjectEditForm(SubjectForm):
    """修改被反映人: the subject form of 登记, without plates (the lead's page edits those). The
    sealed ID number and mobile are never shown in clear: an empty box keeps what is stored."""

    clear_id_number = forms.BooleanField(label="清除已存的身份证号", required=False)
    clear_phone = forms.BooleanField(label="清除已存的手机号", required=False)
    version = version_field()

    def __init__(self, *args: Any, subject: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["plates"]
        self.fields["name"].required = True
        for name, label in (("id_number", "身份证号"), ("phone", "手机号")):
            masked = getattr(subject, f"{name}_masked")
            self.fields[name].help_text = (
                f"已存 {masked}；留空不变，填写则替换" if masked else f"未存{label}；填写则加密保存"
            )
            if not masked:
                del self.fields[f"clear_{name}"]

    @staticmethod
    def initial_for(subject: Any) -> dict[str, Any]:
        return {
            "name": subject.name,
            "alias": subject.alias,
            "address": subject.address,
            "village": subject.village,
            "role": subject.role,
            "position": subject.position,
            "version": subject.version,
        }


class SubjectRemoveForm(StyledForm):
    """移除被反映人: the reason is required; the version refuses a removal of a changed subject."""

    reason = forms.CharField(
        label="移除理由", max_length=200, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = version_field()


SubjectFormSet = forms.formset_factory(SubjectForm, extra=3, max_num=20, validate_max=True)


class SubjectPlatesForm(StyledForm):
    """A registered subject's plates, replaced as a whole (`services.set_subject_plates`)."""

    plates = PlatesField()


# Due states a list can filter on; the home page's charts link to each of them.
DUE_CHOICES = [
    ("", "全部"),
    ("soon", "即将到期"),
    ("overdue", "已逾期"),
    ("ok", "未到期"),
    ("none", "未设时限"),
]


class LeadFilterForm(StyledForm):
    status = forms.ChoiceField(
        label="状态",
        required=False,
        choices=[("", "全部状态"), ("open", "未办结"), *Status.choices],
    )
    source = forms.ChoiceField(
        label="来源", required=False, choices=[("", "全部来源"), *Source.choices]
    )
    village = VillageFilterField(
        label="村",
        queryset=Unit.objects.none(),
        required=False,
        empty_label="全部村",
        no_village_label="未指定村",
    )
    category = forms.ModelChoiceField(
        label="类别",
        queryset=DictionaryEntry.objects.none(),
        required=False,
        empty_label="全部类别",
    )
    handler = PersonChoiceField(label="承办人", required=False, empty_label="全部承办人")
    due = forms.ChoiceField(label="时限", required=False, choices=DUE_CHOICES)
    date_from = forms.DateField(label="受理起", required=False, widget=DATE_INPUT)
    date_to = forms.DateField(label="受理止", required=False, widget=DATE_INPUT)
    q = SearchField(placeholder="编号、内容、被反映人、车牌号、身份证号或手机号（可输后四位）")

    def __init__(self, *args: Any, villages: Any, handlers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_queryset("village", villages)
        self.set_queryset(
            "category", DictionaryEntry.objects.filter(kind=DictionaryKind.TARGET_CATEGORY)
        )
        self.set_queryset("handler", handlers)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (
            cleaned.get("date_from")
            and cleaned.get("date_to")
            and cleaned["date_from"] > cleaned["date_to"]
        ):
            self.add_error("date_to", "截止日期不能早于起始日期")
        return cleaned


class TextForm(StyledForm):
    """One required text box; the label comes from the view."""

    text = forms.CharField(label="内容", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)

    def __init__(self, *args: Any, label: str = "内容", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["text"].label = label


class AssignForm(StyledForm):
    handling_unit = UnitChoiceField(label="承办单位")
    handler = PersonChoiceField(
        label="承办人",
        required=False,
        empty_label="（不指定）",
        help_text="只列出所选承办单位的办案人员",
    )
    police_unit = UnitChoiceField(label="会同派出所", required=False, empty_label="（不会同）")
    due_on = date_field(
        DateKind.DEADLINE,
        label="办理时限",
        required=False,
        widget=DATE_INPUT,
        help_text="留空则按来源默认工作日时限",
    )

    def __init__(self, *args: Any, town: Unit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = Unit.objects.subtree_of(town).active()
        self.set_queryset("handling_unit", units.exclude(kind="police_station"))
        self.set_queryset("police_unit", units.filter(kind="police_station"))
        self.set_queryset("handler", people_for(town, roles=WORKING_ROLES).filter(unit__in=units))
        narrow_by_unit(self, person="handler", unit="handling_unit")


class InvestigationForm(StyledForm):
    occurred_on = date_field(DateKind.EVENT, label="日期", widget=DATE_INPUT)
    content = forms.CharField(
        label="核查情况", widget=forms.Textarea(attrs={"rows": 4}), max_length=10000
    )
    evidence = MultipleFileField(label="证据材料")


class ProposeForm(StyledForm):
    conclusion = forms.ChoiceField(
        label="核查结论",
        choices=[(v, label) for v, label in Conclusion.choices if v != Conclusion.MERGED],
    )
    basis = forms.CharField(
        label="结论依据", widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )


class SignOffForm(StyledForm):
    decision = forms.ChoiceField(
        label="审核意见", choices=[("approve", "同意办结"), ("return", "退回重新核查")]
    )
    note = forms.CharField(
        label="意见", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class FeedbackForm(StyledForm):
    fed_back_on = date_field(DateKind.EVENT, label="反馈日期", widget=DATE_INPUT)
    recipient = forms.CharField(label="反馈对象", max_length=100)
    content = forms.CharField(
        label="反馈内容", widget=forms.Textarea(attrs={"rows": 5}), max_length=10000
    )


class FollowUpForm(StyledForm):
    contacted_on = date_field(DateKind.EVENT, label="回访日期", widget=DATE_INPUT)
    method = forms.CharField(label="方式", max_length=50, help_text="如：电话、当面")
    satisfaction = forms.ChoiceField(label="满意度", choices=Satisfaction.choices)
    notes = forms.CharField(
        label="情况", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class ExtendForm(StyledForm):
    new_due_on = date_field(DateKind.DEADLINE, label="新的时限", widget=DATE_INPUT)
    reason = forms.CharField(
        label="延期理由", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class OtherLeadForm(StyledForm):
    number = forms.CharField(label="线索编号", max_length=32)
    note = forms.CharField(label="说明", required=False, max_length=200)
