"""The 交办清单 as an import kind: the lead's fields a list's columns may fill, with the header
words the 市/县扫黑办 and the 12337 platform's exports use."""

from saohei.leads.models import Source
from saohei.sheets.kinds import FieldKind, ImportKind, TargetField

LIST_SOURCES = (Source.UPPER_ASSIGNED, Source.PLATFORM_12337)

ASSIGNED_LIST = ImportKind(
    key="assigned_list",
    label="交办清单",
    fields=(
        TargetField(
            "upstream_reference",
            "交办编号",
            ("交办文号", "线索编号", "编号", "转办编号", "工单编号", "工单号", "件号", "平台编号"),
            required=True,
            max_length=100,
        ),
        TargetField(
            "received_on",
            "交办日期",
            ("交办时间", "转办日期", "下发日期", "下发时间", "交办日"),
            kind=FieldKind.DATE,
            required=True,
        ),
        TargetField(
            "deadline",
            "反馈期限",
            (
                "反馈时限",
                "办结期限",
                "办结时限",
                "要求反馈日期",
                "反馈截止日期",
                "截止日期",
                "期限",
            ),
            kind=FieldKind.DATE,
        ),
        TargetField(
            "subject_name",
            "被反映人",
            ("被反映人姓名", "被举报人", "被举报人姓名", "反映对象", "举报对象"),
            max_length=50,
        ),
        TargetField(
            "subject_id_number",
            "被反映人身份证号",
            ("身份证号", "身份证号码", "证件号码", "公民身份号码"),
            max_length=30,
        ),
        TargetField(
            "subject_phone",
            "被反映人电话",
            ("联系电话", "手机号", "手机号码", "电话"),
            max_length=30,
        ),
        TargetField(
            "village",
            "所属村",
            ("所在村", "涉及村", "村居", "村（社区）", "村(社区)", "所属村居", "所属村（社区）"),
            kind=FieldKind.VILLAGE,
        ),
        TargetField(
            "content",
            "问题内容",
            ("反映问题", "主要问题", "线索内容", "举报内容", "问题线索", "反映内容", "具体问题"),
            required=True,
            max_length=5000,
            multiline=True,
        ),
        TargetField(
            "source",
            "来源",
            ("线索来源", "交办来源"),
            kind=FieldKind.CHOICE,
            choices=tuple((str(source.value), str(source.label)) for source in LIST_SOURCES),
        ),
    ),
)
