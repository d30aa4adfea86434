"""Lead list at scale: 100,000 leads, keyset pages, search with long and short terms."""

import random
import time
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone
from stdnum.cn import ric

from saohei.common.pii import blind_index, suffix_index
from saohei.common.timing import median_ms
from saohei.leads.models import Channel, Lead, Source, Subject
from saohei.leads.queries import LeadFilters, capped_count, filter_leads, page_of_leads
from saohei.organisations.models import Unit, User

WORDS = [
    "码头",
    "渔船",
    "停靠费",
    "高利贷",
    "讨债",
    "强揽",
    "工程",
    "赌博",
    "沙场",
    "养殖",
    "拦路",
    "收费",
    "村霸",
    "宗族",
]


def _bench_id_number() -> str:
    body = "37108219800101123"
    return body + ric.calc_check_digit(body + "0")


def bench_lead_list(count: int = 100_000) -> None:
    town = Unit.objects.get(name="港西镇")
    office = User.objects.get(username="banshi")
    rng = random.Random(7)  # noqa: S311 (benchmark data, not secrets)
    now = timezone.now()
    started = time.perf_counter()
    with transaction.atomic():
        for offset in range(0, count, 5000):
            batch = [
                Lead(
                    unit=town,
                    number=f"BENCH-{n:07d}",
                    received_at=now - timedelta(minutes=n),
                    channel=Channel.PHONE,
                    source=Source.SELF_FOUND,
                    summary="".join(rng.choice(WORDS) for _ in range(8)) + f"第{n}号",
                    narrative="".join(rng.choice(WORDS) for _ in range(30)),
                    due_on=(now + timedelta(days=rng.randint(-30, 60))).date(),
                    created_by=office,
                )
                for n in range(offset, min(offset + 5000, count))
            ]
            created = Lead.objects.bulk_create(batch)
            Subject.objects.bulk_create(
                [
                    Subject(
                        lead=lead,
                        name=rng.choice("张王李赵刘陈杨") + rng.choice("建国海军志强秀英"),
                        # Index digests only (no ciphertext): the search reads nothing else.
                        id_number_index=blind_index("id_number", f"bench-{lead.number}"),
                        id_number_suffix_index=suffix_index(
                            "id_number", f"{rng.randrange(10_000):04d}"
                        ),
                    )
                    for lead in created
                ]
            )
    print(
        f"{'insert leads (with search index upkeep)':<44} {count:>8} in {time.perf_counter() - started:7.2f} s"
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE leads_lead; ANALYZE leads_subject")

    def first_page() -> None:
        page_of_leads(filter_leads(office, LeadFilters()))

    deep_cursor = page_of_leads(filter_leads(office, LeadFilters()))
    for _ in range(200):  # walk 200 pages deep (10,000 rows) for the cursor
        deep_cursor = page_of_leads(
            filter_leads(office, LeadFilters()), after=deep_cursor.next_cursor
        )

    def deep_page() -> None:
        page_of_leads(filter_leads(office, LeadFilters()), after=deep_cursor.next_cursor)

    def search_long() -> None:
        page_of_leads(filter_leads(office, LeadFilters(text="停靠费高利")))

    def search_short() -> None:
        page_of_leads(filter_leads(office, LeadFilters(text="沙场")))

    wanted_id = _bench_id_number()
    Subject.objects.filter(lead__number="BENCH-0050000").update(
        id_number_index=blind_index("id_number", wanted_id)
    )

    def search_id_number() -> None:
        page_of_leads(filter_leads(office, LeadFilters(text=wanted_id)))

    def search_last_four() -> None:
        page_of_leads(filter_leads(office, LeadFilters(text=wanted_id[-4:])))

    # The search resolves identifiers to lead ids first: that lookup must use its index.
    for label, field, digest in [
        ("ID number", "id_number_index", blind_index("id_number", wanted_id)),
        ("last four", "id_number_suffix_index", suffix_index("id_number", wanted_id)),
    ]:
        lookup = Subject.objects.filter(**{field: digest}).values_list("lead_id", flat=True)
        uses = field in lookup.explain()
        print(f"{'lead list: ' + label + ' lookup uses its index':<44} {uses}")

    def overdue() -> None:
        page_of_leads(filter_leads(office, LeadFilters(due_state="overdue")))

    def count_capped() -> None:
        capped_count(filter_leads(office, LeadFilters()))

    for label, action in [
        ("lead list: first page (50 rows)", first_page),
        ("lead list: page 201 by keyset", deep_page),
        ("lead list: search 5-char term (trigram)", search_long),
        ("lead list: search 2-char term (scan)", search_short),
        ("lead list: search subject ID number (index)", search_id_number),
        ("lead list: search ID's last four (index)", search_last_four),
        ("lead list: overdue filter", overdue),
        ("lead list: capped count (1000+)", count_capped),
    ]:
        print(f"{label:<44} {median_ms(action, runs=5):8.1f} ms median")
