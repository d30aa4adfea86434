"""The seed's 问题清单: items from every source, across several villages, in every state.

Created through the real services (as the office and the village heads would); only the
overdue items have their deadline moved into the past afterwards, which no service allows.
"""

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from saohei.common.uploads import check_uploads
from saohei.organisations.models import Unit, User
from saohei.rectifications import services
from saohei.rectifications.models import RectificationItem, SourceKind

# A 1×1 PNG: the evidence photo of the demo's progress updates.
PHOTO = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)

# village, source, source record, description, measures, state
ITEMS = [
    (
        "东岛村",
        SourceKind.ARCHIVE_INSPECTION,
        "2026年第一轮村级档案检查",
        "村级扫黑除恶档案中线索摸排零报告缺少3月、4月两期",
        "补齐零报告并由村党支部书记签字，今后每月5日前报镇扫黑办",
        "closed",
    ),
    (
        "北港村",
        SourceKind.TALK,
        "党委书记与北港村党支部书记谈心谈话",
        "村内宣传发动不足，渔港码头未设置扫黑除恶宣传板",
        "在渔港码头设置宣传板2块，发放明白纸200份",
        "requested",
    ),
    (
        "西岛村",
        SourceKind.SUPERVISION,
        "市扫黑办督导组反馈意见",
        "村“两委”成员对扫黑除恶应知应会知晓率不高",
        "组织村“两委”成员集中学习，镇扫黑办抽查测试",
        "overdue",
    ),
    (
        "南岭村",
        SourceKind.SELF_INSPECTION,
        "对照市扫黑办工作要点自查自纠",
        "矛盾纠纷排查台账未按月更新",
        "每月排查一次并更新台账，由包村干部审核",
        "open",
    ),
    (
        "",
        SourceKind.MEETING,
        "镇扫黑除恶领导小组第二次会议",
        "镇扫黑办与派出所信息互通记录不完整",
        "建立双周信息互通机制，专人登记往来记录",
        "open",
    ),
    (
        "海埠村",
        SourceKind.ARCHIVE_INSPECTION,
        "2026年第一轮村级档案检查",
        "谈心谈话记录缺少谈话对象签字",
        "补签并规范记录格式",
        "overdue",
    ),
]


def load_demo_rectifications(town: Unit) -> int:
    """Create the demo's items once; returns how many were created on this run."""
    office = User.objects.get(username="banshi")
    leader = User.objects.get(username="shuji")
    today = timezone.localdate()
    created = 0
    for village_name, source, label, description, measures, state in ITEMS:
        if RectificationItem.objects.filter(unit=town, description=description).exists():
            continue
        village = Unit.objects.get(name=village_name, parent=town) if village_name else None
        head = User.objects.filter(unit=village).order_by("username").first() if village else None
        item = services.open_item(
            actor=office,
            unit=town,
            source=services.ItemSource(kind=source, label=label, url=""),
            data=services.ItemInput(
                village=village,
                description=description,
                measures=measures,
                responsible_leader=leader,
                responsible_unit=village or town,
                responsible_person=head or office,
                working_days=10,
            ),
        )
        created += 1
        worker = head or office
        if state in ("requested", "closed"):
            services.record_progress(
                actor=worker,
                item=item,
                occurred_on=today,
                content="已按整改措施落实，附现场照片",
                evidence=check_uploads(
                    [SimpleUploadedFile("现场照片.png", PHOTO, content_type="image/png")]
                ),
            )
            services.request_closure(actor=worker, item=item, note="已整改到位，申请销号")
        if state == "closed":
            services.verify_closure(
                actor=office, item=item, accept=True, reason="经现场核实，同意销号"
            )
        if state == "overdue":
            # Demo only: an item opened weeks ago whose deadline has passed.
            RectificationItem.objects.filter(pk=item.pk).update(due_on=today - timedelta(days=10))
    return created
