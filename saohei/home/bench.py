"""The home page's dashboard at scale: 100,000 leads, 10,000 ledger items, 10,000 publicity
activities; the page's render time cold (counted) and warm (from the cache), per scope."""

import random
import statistics
import time
from datetime import timedelta
from decimal import Decimal

from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from saohei.leads.models import Channel, Conclusion, Lead, Source, Status
from saohei.organisations.models import Unit, User
from saohei.publicity.models import PlaceType, PublicityActivity, PublicityKind
from saohei.rectifications.models import RectificationItem, SourceKind
from saohei.rectifications.models import Status as ItemStatus
from saohei.testing.totp import sign_in_client

BATCH = 5000


def _insert(count: int, items: int, activities: int) -> None:
    town = Unit.objects.get(name="港西镇")
    villages = list(Unit.objects.filter(parent=town).villages())
    office, leader = User.objects.get(username="banshi"), User.objects.get(username="shuji")
    kinds = list(PublicityKind.objects.all())
    rng = random.Random(11)  # noqa: S311 (benchmark data, not secrets)
    now = timezone.now()
    today = timezone.localdate()
    statuses = list(Status)
    conclusions = [c for c in Conclusion if c != Conclusion.MERGED]
    started = time.perf_counter()
    with transaction.atomic():
        for offset in range(0, count, BATCH):
            batch = []
            for n in range(offset, min(offset + BATCH, count)):
                status = rng.choice(statuses)
                received_at = now - timedelta(minutes=rng.randint(1, 60 * 24 * 400))
                village = rng.choice(villages) if rng.random() < 0.8 else None
                closed = status in (Status.CONCLUDED, Status.ARCHIVED, Status.MERGED)
                batch.append(
                    Lead(
                        unit=town,
                        number=f"DASH-{n:07d}",
                        received_at=received_at,
                        channel=Channel.PHONE,
                        source=rng.choice(list(Source)),
                        summary=f"看板测试线索第{n}号",
                        village=village,
                        handling_unit=village if status != Status.REGISTERED else None,
                        status=status,
                        due_on=None
                        if rng.random() < 0.1
                        else today + timedelta(rng.randint(-30, 60)),
                        conclusion=rng.choice(conclusions) if closed else "",
                        concluded_at=received_at + timedelta(days=rng.randint(1, 40))
                        if closed
                        else None,
                        created_by=office,
                    )
                )
            Lead.objects.bulk_create(batch)
        RectificationItem.objects.bulk_create(
            [
                RectificationItem(
                    unit=town,
                    village=(village := rng.choice([*villages, None])),
                    source_kind=rng.choice(list(SourceKind)),
                    description=f"看板测试问题第{n}号",
                    measures="整改",
                    responsible_leader=leader,
                    responsible_unit=village or town,
                    responsible_person=office,
                    due_on=today + timedelta(rng.randint(-30, 60)),
                    status=rng.choice(list(ItemStatus)),
                    created_by=office,
                )
                for n in range(items)
            ],
            batch_size=BATCH,
        )
        PublicityActivity.objects.bulk_create(
            [
                PublicityActivity(
                    town=town,
                    village=rng.choice([*villages, None]),
                    occurred_on=today - timedelta(days=rng.randint(0, 400)),
                    kind=rng.choice(kinds),
                    place_type=rng.choice(list(PlaceType)),
                    quantity=Decimal(rng.randint(1, 20)),
                    handler=office,
                    created_by=office,
                )
                for _ in range(activities)
            ],
            batch_size=BATCH,
        )
    elapsed = time.perf_counter() - started
    label = f"insert {count:,} leads, {items:,} items, {activities:,} activities"
    print(f"{label:<44} {elapsed:17.2f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "ANALYZE leads_lead; ANALYZE rectifications_rectificationitem;"
                " ANALYZE publicity_publicityactivity"
            )


def bench_dashboard(
    *, password: str, count: int = 100_000, items: int = 10_000, activities: int = 10_000
) -> None:
    """On the demo town: the password is the demo's (passed in: home sits below the demo)."""
    _insert(count, items, activities)
    for username, label in [
        ("shuji", "leader"),
        ("cun02", "village head"),
        ("shiban", "supervisor"),
    ]:
        # Leaders answer the TOTP step too, as the policy requires.
        client = sign_in_client(Client(), username, password)
        colds = []
        for _ in range(3):
            cache.clear()
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                client.get("/")
            colds.append(time.perf_counter() - started)
            # Read now: the next request outside the context empties Django's query log.
            query_count = len(queries)
        warms = []
        for _ in range(10):
            started = time.perf_counter()
            client.get("/")
            warms.append(time.perf_counter() - started)
        print(
            f"{'home dashboard, ' + label + ', cold':<44} {statistics.median(colds) * 1000:8.1f} ms median"
            f"  ({query_count} queries)"
        )
        print(
            f"{'home dashboard, ' + label + ', warm (cached)':<44} {statistics.median(warms) * 1000:8.1f} ms median"
        )
