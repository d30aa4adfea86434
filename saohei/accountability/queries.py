"""Reads of the talk records; the coverage view (谈话覆盖情况)."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q

from saohei.accountability import access
from saohei.accountability.models import Talk, TalkQuerySet, TalkReview
from saohei.common.roles import Role
from saohei.common.search import People, SearchFields, apply_search
from saohei.leads.access import visible_leads
from saohei.leads.models import Lead
from saohei.organisations.models import Unit, User
from saohei.organisations.queries import users_holding
from saohei.rectifications.access import visible_items
from saohei.rectifications.models import RectificationItem


@dataclass(frozen=True)
class FoundInTalk:
    """What a talk turned up, as the viewer's own ledger and lead list show it; the rest only
    counted (a lead about an official is not named to the village head who was talked with)."""

    items: list[RectificationItem]
    leads: list[Lead]
    restricted: int


def found_in_talk(user: User, talk: Talk) -> FoundInTalk:
    items = talk.rectification_items.order_by("id")
    leads = talk.leads.order_by("id")
    shown_items = list(items.filter(pk__in=visible_items(user).values("pk")))
    shown_leads = list(leads.filter(pk__in=visible_leads(user).values("pk")))
    restricted = items.count() + leads.count() - len(shown_items) - len(shown_leads)
    return FoundInTalk(items=shown_items, leads=shown_leads, restricted=restricted)


@dataclass
class CoverageRow:
    label: str
    people: list[User]
    interviewers: list[str] = field(default_factory=list)
    talked_on: list[date] = field(default_factory=list)

    @property
    def is_covered(self) -> bool:
        return bool(self.interviewers)


@dataclass
class Coverage:
    start: date
    end: date
    villages: list[CoverageRow]
    police: list[CoverageRow]

    @property
    def villages_covered(self) -> int:
        return sum(1 for row in self.villages if row.is_covered)

    @property
    def villages_missing(self) -> list[str]:
        return [row.label for row in self.villages if not row.is_covered]

    @property
    def police_covered(self) -> int:
        return sum(1 for row in self.police if row.is_covered)

    @property
    def summary(self) -> str:
        text = f"{len(self.villages)} 个村居已谈 {self.villages_covered} 个"
        if self.villages_missing:
            text += "，未谈：" + "、".join(self.villages_missing)
        return text


def police_leaders(town: Unit) -> list[User]:
    """The 派出所's 所长 and 教导员: police officers in the town whose position says so."""
    return list(
        users_holding(Role.POLICE_OFFICER)
        .filter(unit__path__startswith=town.path)
        .filter(Q(position__contains="所长") | Q(position__contains="教导员"))
        .order_by("username")
    )


def _fill(row: CoverageRow, talks: list[Talk]) -> CoverageRow:
    ids = {person.pk for person in row.people}
    for talk in talks:
        if ids & {person.pk for person in talk.interviewees.all()}:
            name = talk.interviewer.real_name
            if name not in row.interviewers:
                row.interviewers.append(name)
            row.talked_on.append(talk.talked_on)
    return row


def get_coverage(town: Unit, *, start: date, end: date) -> Coverage:
    """Which village heads and police leaders were talked with in [start, end], and by whom."""
    talks = list(
        Talk.objects.filter(unit=town, talked_on__gte=start, talked_on__lte=end)
        .select_related("interviewer")
        .prefetch_related("interviewees")
        .order_by("talked_on", "id")
    )
    heads: dict[int, list[User]] = {}
    village_heads = users_holding(Role.VILLAGE_HEAD, on=Unit.objects.filter(parent=town))
    for person in village_heads.prefetch_related("role_grants"):
        for grant in person.role_grants.all():
            if grant.role == Role.VILLAGE_HEAD:
                heads.setdefault(grant.unit_id, []).append(person)
    villages = [
        _fill(CoverageRow(label=village.name, people=heads.get(village.pk, [])), talks)
        for village in town.children.filter(is_active=True).order_by("sort_order", "path")
        if village.is_village
    ]
    police = [
        _fill(CoverageRow(label=f"{person.real_name}（{person.position}）", people=[person]), talks)
        for person in police_leaders(town)
    ]
    return Coverage(start=start, end=end, villages=villages, police=police)


# Who talked with whom is the point of the ledger: people by their names, the rest by its text.
TALK_SEARCH = SearchFields(
    text=("place", "content", "follow_up", "other_topics", "interviewer__real_name"),
    people=(People(Talk.interviewees.through, "talk_id", ("user__real_name",)),),
)


def search_talks(talks: TalkQuerySet, text: str) -> TalkQuerySet:
    return apply_search(talks, text, TALK_SEARCH)


# The review page shows this many of the town's latest reviews.
RECENT_REVIEWS = 20


def review_queue(user: User, town: Unit) -> TalkQuerySet:
    """定期梳理's queue: the town's talks not yet signed off that the user may read."""
    return (
        access.visible_talks(user)
        .filter(unit=town)
        .unreviewed()
        .select_related("interviewer", "edited_by")
        .prefetch_related("interviewees")
    )


def recent_reviews(town: Unit) -> list[TalkReview]:
    return list(TalkReview.objects.filter(unit=town).select_related("reviewer")[:RECENT_REVIEWS])
