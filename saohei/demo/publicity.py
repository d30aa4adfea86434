"""The seed's 宣传发动 figures, recorded through the real services over the last twelve months.

Totals to date (the seed's numbers): 宣传标语 450 条, 宣传横幅 120 条, 宣传板 180 张, 宣传车 206 次,
宣传明白纸 6800 份, 微信公众号推文 6 期, LED 屏滚动播放 1836 小时 — the LED hours come from a
standing schedule (2 screens × 6 h/day × 153 days) with a fixed end date, accrued at load time,
so the total never drifts. A few IP 广播 and 集中宣传活动 records complete the picture.
"""

import io
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from saohei.common.roles import Role
from saohei.common.uploads import CheckedUpload, check_uploads
from saohei.organisations.models import Unit, UnitKind, User
from saohei.organisations.queries import users_holding
from saohei.publicity import services
from saohei.publicity.defaults import KindCode
from saohei.publicity.models import PlaceType, PublicityActivity, PublicityKind


def _scene() -> bytes:
    """The demo's 现场照片: a red banner on a wall, a real picture so that it has a thumbnail."""
    image = Image.new("RGB", (640, 400), (214, 208, 196))
    image.paste((178, 34, 34), (60, 130, 580, 230))
    image.paste((240, 220, 120), (90, 170, 550, 190))
    output = io.BytesIO()
    image.save(output, "PNG")
    return output.getvalue()


PNG = _scene()

LED_SCREENS = 2
LED_HOURS_PER_DAY = Decimal(6)
LED_DAYS = 153


def _split(total: int, parts: int) -> list[int]:
    """`total` in `parts` near-equal whole numbers (the larger ones first)."""
    base, extra = divmod(total, parts)
    return [base + 1 if index < extra else base for index in range(parts)]


def _day(today: date, index: int, count: int, offset: int = 0) -> date:
    """The index-th of `count` dates spread over the last ~12 months, never after yesterday."""
    days_back = 5 + (index * 350 // max(count, 1) + offset * 7) % 355
    return today - timedelta(days=days_back)


def _photo(name: str) -> list[CheckedUpload]:
    return check_uploads([SimpleUploadedFile(name, PNG, content_type="image/png")])


def load_demo_publicity(town: Unit) -> int:
    """Record the demo's publicity once; returns how many activities were created."""
    if PublicityActivity.objects.filter(town=town).exists():
        return 0
    today = timezone.localdate()
    office = User.objects.get(username="banshi")
    kinds = {kind.code: kind for kind in PublicityKind.objects.all()}
    villages = list(Unit.objects.filter(parent=town).villages().order_by("sort_order", "path"))
    heads = {
        user.unit_id: user
        for user in users_holding(Role.VILLAGE_HEAD, include_inactive=True).filter(
            unit__in=villages
        )
    }
    created = 0

    def record(
        *,
        code: str,
        on: date,
        village: Unit | None,
        place_type: str,
        place: str,
        quantity: int,
        hours: Decimal | None = None,
        reach: int | None = None,
        notes: str = "",
        photo: str = "",
    ) -> None:
        nonlocal created
        actor = heads.get(village.pk, office) if village is not None else office
        services.record_activity(
            actor=actor,
            town=town,
            data=services.ActivityInput(
                occurred_on=on,
                kind=kinds[code],
                village=village,
                place_type=place_type,
                place=place,
                quantity=Decimal(quantity),
                hours=hours,
                reach=reach,
                handler=actor,
                notes=notes,
            ),
            photos=_photo(photo) if photo else (),
        )
        created += 1

    def village_place(village: Unit) -> str:
        return PlaceType.COMMUNITY if village.kind == UnitKind.COMMUNITY else PlaceType.RURAL

    # 宣传标语 450 条 and 宣传板 180 张: every village, on its main streets and notice boards.
    for index, (village, slogans) in enumerate(
        zip(villages, _split(450, len(villages)), strict=True)
    ):
        record(
            code=KindCode.SLOGAN,
            on=_day(today, index, len(villages)),
            village=village,
            place_type=village_place(village),
            place="主街道及村（居）委会院墙",
            quantity=slogans,
            photo="标语.png" if index == 0 else "",
        )
    for index, (village, boards) in enumerate(
        zip(villages, _split(180, len(villages)), strict=True)
    ):
        record(
            code=KindCode.BOARD,
            on=_day(today, index, len(villages), offset=3),
            village=village,
            place_type=village_place(village),
            place="村（居）务公开栏旁",
            quantity=boards,
        )
    # 宣传横幅 120 条: one hanging a month, at the town centre, enterprises and the park in turn.
    banner_places = [
        (PlaceType.TOWN_CENTRE, "镇区主干道"),
        (PlaceType.ENTERPRISE, "港西水产加工企业"),
        (PlaceType.PARK, "港西渔港经济园区"),
    ]
    for index, banners in enumerate(_split(120, 12)):
        place_type, place = banner_places[index % len(banner_places)]
        record(
            code=KindCode.BANNER,
            on=_day(today, index, 12, offset=1),
            village=None,
            place_type=place_type,
            place=place,
            quantity=banners,
        )
    # 宣传车 206 次: monthly tours through the villages and communities, every fourth month
    # through the fishing-port park (进社区、进农村、进园区), about 1.5 hours a trip.
    for index, trips in enumerate(_split(206, 12)):
        toured = None if index % 4 == 3 else villages[(index * 5) % len(villages)]
        record(
            code=KindCode.CAR,
            on=_day(today, index, 12, offset=2),
            village=toured,
            place_type=village_place(toured) if toured else PlaceType.PARK,
            place="巡回播放扫黑除恶宣传音频" if toured else "港西渔港经济园区",
            quantity=trips,
            hours=Decimal(trips) * Decimal("1.5"),
            reach=trips * 120,
        )
    # 宣传明白纸 6800 份: door to door in every village, plus the enterprises and the park.
    leaflet_parts = _split(6300, len(villages))
    for index, (village, leaflets) in enumerate(zip(villages, leaflet_parts, strict=True)):
        record(
            code=KindCode.LEAFLET,
            on=_day(today, index, len(villages), offset=5),
            village=village,
            place_type=village_place(village),
            place="入户发放",
            quantity=leaflets,
            reach=leaflets * 2,
        )
    record(
        code=KindCode.LEAFLET,
        on=_day(today, 4, 12, offset=4),
        village=None,
        place_type=PlaceType.ENTERPRISE,
        place="辖区规模以上企业",
        quantity=300,
        reach=900,
    )
    record(
        code=KindCode.LEAFLET,
        on=_day(today, 9, 12, offset=4),
        village=None,
        place_type=PlaceType.PARK,
        place="港西渔港经济园区",
        quantity=200,
        reach=500,
    )
    # 微信公众号推文 6 期 with their reads, every other month.
    for index, reads in enumerate([1860, 2412, 1538, 3105, 1977, 2260]):
        record(
            code=KindCode.WECHAT,
            on=_day(today, index, 6, offset=6),
            village=None,
            place_type=PlaceType.TOWN_CENTRE,
            place="“港西发布”公众号",
            quantity=1,
            reach=reads,
        )
    # A few IP 网络广播 (次 and 小时) and 集中宣传活动 (场, participants).
    for index, village in enumerate(villages[:4]):
        record(
            code=KindCode.BROADCAST,
            on=_day(today, index, 4, offset=8),
            village=village,
            place_type=village_place(village),
            place="村村通 IP 广播",
            quantity=3,
            hours=Decimal(2),
        )
    events = [
        (PlaceType.TOWN_CENTRE, None, "镇政府广场", 620, "扫黑除恶集中宣传日"),
        (PlaceType.COMMUNITY, villages[-1], "海景社区文化广场", 280, "进社区宣讲"),
        (PlaceType.PARK, None, "港西渔港经济园区", 350, "进园区、进企业宣讲"),
    ]
    for index, (place_type, event_village, place, participants, notes) in enumerate(events):
        record(
            code=KindCode.EVENT,
            on=_day(today, index, 3, offset=9),
            village=event_village,
            place_type=place_type,
            place=place,
            quantity=1,
            reach=participants,
            notes=notes,
            photo="宣传活动现场.png",
        )

    # LED 屏滚动播放 1836 小时: 2 screens × 6 h/day × 153 days, ended before today, accrued now.
    led_end = today - timedelta(days=20)
    services.create_schedule(
        actor=office,
        town=town,
        data=services.ScheduleInput(
            village=None,
            kind=kinds[KindCode.LED],
            place_type=PlaceType.TOWN_CENTRE,
            place="镇政府广场、港西商贸街 LED 屏",
            description="扫黑除恶专项斗争宣传标语滚动播放",
            hours_per_day=LED_HOURS_PER_DAY,
            screens=LED_SCREENS,
            starts_on=led_end - timedelta(days=LED_DAYS - 1),
            ends_on=led_end,
            handler=office,
        ),
    )
    created += services.accrue_schedules(today=today, town=town).days
    return created
