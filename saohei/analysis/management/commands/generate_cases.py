from collections.abc import Iterator
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from saohei.analysis.generator import (
    CaseRecord,
    HistoryRecord,
    generate_history,
    numbered_towns,
    split_history,
)
from saohei.analysis.generator_writer import WriteReport, town_units, write_history
from saohei.cases.models import Case
from saohei.organisations.models import Unit, UnitKind
from saohei.organisations.services import build_unit

# Generated towns hang under a city office of their own, named so nobody takes it for real.
GENERATED_CITY = "生成数据市扫黑办（虚构）"


class Command(BaseCommand):
    help = (
        "生成虚构的治安案件历史（含预置团伙与干扰样本）写入数据库，供基准测试使用；"
        "打印每秒写入行数。同一种子生成的数据完全相同。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--towns", type=int, default=1, help="镇数")
        parser.add_argument("--cases", type=int, default=1000, help="每镇每年的普通案件数")
        parser.add_argument("--seed", type=int, default=1, help="随机种子")
        parser.add_argument("--years", type=int, default=10, help="年数（截至2025年）")
        parser.add_argument("--groups", type=int, default=None, help="预置团伙数（默认每镇1个）")
        parser.add_argument("--decoys", type=int, default=None, help="每类干扰样本数（默认1）")
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args: Any, **options: Any) -> None:
        towns, per_year, years = options["towns"], options["cases"], options["years"]
        if not (1 <= towns <= 1000 and 0 <= per_year <= 1_000_000 and 1 <= years <= 30):
            raise CommandError("参数超出范围：镇数1–1000，每镇每年案件0–1000000，年数1–30")
        specs = numbered_towns(towns)
        with transaction.atomic():
            city = Unit.objects.filter(name=GENERATED_CITY, parent=None).first() or build_unit(
                name=GENERATED_CITY, kind=UnitKind.CITY_OFFICE, parent=None, code="SC"
            )
            unit_for_town, village_for_name = town_units(specs, parent=city)
        if Case.objects.filter(unit__in=unit_for_town.values()).exists():
            raise CommandError("这些生成镇已有案件：请换一个空数据库，或先清空后再生成")
        records = generate_history(
            seed=options["seed"],
            towns=specs,
            years=range(2026 - years, 2026),
            cases_per_town_year=per_year,
            groups=towns if options["groups"] is None else options["groups"],
            decoys=1 if options["decoys"] is None else options["decoys"],
        )
        truth: list[HistoryRecord] = []

        def cases_keeping_truth() -> Iterator[CaseRecord]:
            for record in records:
                if isinstance(record, CaseRecord):
                    yield record
                else:
                    truth.append(record)

        def progress(report: WriteReport) -> None:
            self.stdout.write(f"  … {report.summary()}")

        report = write_history(
            cases_keeping_truth(),
            unit_for_town=unit_for_town,
            village_for_name=village_for_name,
            batch_size=options["batch_size"],
            on_batch=progress if options["verbosity"] > 1 else None,
        )
        _, groups, decoys = split_history(truth)
        self.stdout.write(report.summary())
        self.stdout.write(
            f"预置团伙 {len(groups)} 个，干扰样本 {len(decoys)} 个（种子 {options['seed']}）"
        )
