"""Two assignments of 荣成市扫黑办 to 港西镇 (decision 0062), so `make run` shows the city's
pages: one the town is still investigating, one whose 反馈 waits for the city's verdict.

12337平台下发 leads, dated now: the seed's ten 上级交办 leads of 2019 and its statistics stay
as they were. Loaded by the `load_demo` command only, once (looked up by number).
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from saohei.city_assignments import services as city_services
from saohei.city_assignments.models import CityAssignment
from saohei.leads import services as lead_services
from saohei.leads.models import Lead, Source
from saohei.organisations.models import Unit, UnitKind, User

NUMBERS = ("鲁12337-2026-0815", "鲁12337-2026-0903")


def _assign(city: Unit, town: Unit, number: str, summary: str, days: int) -> Lead:
    assignment = city_services.assign_to_towns(
        actor=User.objects.get(username="shiban"),
        city=city,
        data=city_services.AssignmentInput(
            towns=[town],
            deadline=timezone.localdate() + timedelta(days=days),
            instruction="请认真核查，按期反馈核查情况和处理结果",
            summary=summary,
            source=Source.PLATFORM_12337,
            number=number,
        ),
    )
    return assignment.towns.get().lead


@transaction.atomic
def load_demo_city_assignments() -> int:
    """The two assignments, worked by the town's office as far as each has come; returns how
    many were created (0 when they exist)."""
    city = Unit.objects.filter(kind=UnitKind.CITY_OFFICE, name="荣成市扫黑办").first()
    town = Unit.objects.filter(name="港西镇", kind=UnitKind.TOWN).first()
    if city is None or town is None:
        return 0
    if CityAssignment.objects.filter(city=city, number__in=NUMBERS).exists():
        return 0
    clerk, leader = User.objects.get(username="banshi"), User.objects.get(username="shuji")
    today = timezone.localdate()

    investigating = _assign(
        city, town, NUMBERS[0], "网民反映港西镇某砂场有人强行阻拦其他车辆运砂，收取“过路费”", 12
    )
    lead_services.assign_lead(actor=clerk, lead=investigating, handling_unit=town, handler=clerk)
    lead_services.record_investigation(
        actor=clerk,
        lead=investigating,
        occurred_on=today,
        content="到砂场走访司机四人，正在调取监控",
    )

    fed_back = _assign(
        city, town, NUMBERS[1], "网民反映港西镇渔港码头有人垄断冰块供应、强买强卖", 8
    )
    lead_services.assign_lead(actor=clerk, lead=fed_back, handling_unit=town, handler=clerk)
    lead_services.record_investigation(
        actor=clerk, lead=fed_back, occurred_on=today, content="走访码头渔船船主九户、冰厂两家"
    )
    lead_services.propose_conclusion(
        actor=clerk,
        lead=fed_back,
        conclusion="unfounded",
        basis="经走访，码头冰块由两家冰厂自由供应，价格随行就市，未发现强买强卖",
    )
    lead_services.sign_off(actor=leader, lead=fed_back, approve=True)
    lead_services.record_feedback(
        actor=clerk,
        lead=fed_back,
        fed_back_on=today,
        recipient=city.name,
        content="经走访码头渔船船主九户、冰厂两家，冰块由两家冰厂自由供应，未发现垄断和强买强卖，线索不实。",
    )
    return 2
