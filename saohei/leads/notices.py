"""Who hears about a lead, and how a notice names it (decision 0015).

Every lead notice names the lead (number, village, category; never the summary, which may name
a subject or the reporter) and reaches only people who may open the lead: a lead about an
official stays with the leaders.
"""

from django.urls import reverse

from saohei.common.roles import Role
from saohei.deadlines.queries import list_leaders, list_office_staff
from saohei.leads import access
from saohei.leads.models import Lead
from saohei.notifications.wording import name_item
from saohei.organisations.models import User
from saohei.organisations.queries import users_holding


def lead_url(lead: Lead) -> str:
    return reverse("leads:detail", args=[lead.pk])


def lead_label(lead: Lead) -> str:
    """ "XJ2026-0001（柳树庄村）“欺行霸市”": number, village and category, never the content."""
    place = lead.village or lead.handling_unit
    category = lead.target_category.name if lead.target_category else lead.get_source_display()
    return name_item(lead.number, place=place.name if place else "", summary=category)


def office_staff_for(lead: Lead) -> list[User]:
    """The town's 扫黑办 who may open this lead (not those of a lead about an official)."""
    # The office rule of every deadline (`deadlines.queries`), narrowed by the lead's own secrecy.
    staff = list_office_staff(unit=lead.unit)
    return [user for user in staff if access.can_manage_lead(user, lead)]


def leaders_for(lead: Lead) -> list[User]:
    """The town's 组长 and 副组长: they sign off, and see every lead of the town."""
    return list_leaders(unit=lead.unit)


def handling_side_for(lead: Lead) -> list[User]:
    """The people working the lead: its handler and the heads of its handling village who may
    open it; the office when nobody else does."""
    people = [lead.handler] if lead.handler and lead.handler.is_active else []
    if lead.handling_unit is not None and lead.handling_unit.is_village:
        # Heads who work in the village (their own unit), wherever their grant sits.
        heads = users_holding(Role.VILLAGE_HEAD).filter(unit=lead.handling_unit)
        people += [user for user in heads if access.visible_leads(user).filter(pk=lead.pk).exists()]
    return unique(people) or office_staff_for(lead)


def instruction_recipients(lead: Lead, *, author: User) -> list[User]:
    """A 批示 reaches the handler, the handling village's heads and the office who may open the
    lead; a lead about an official stays with the leaders, who answer it themselves."""
    people = unique(handling_side_for(lead) + office_staff_for(lead))
    return [user for user in people if user.pk != author.pk]


def unique(people: list[User]) -> list[User]:
    """One entry per person, in first-seen order: one event, one notice per person."""
    return list({user.pk: user for user in people}.values())


def delivery_message(recipients: list[User]) -> str:
    """Say who received a 批示, so a leader knows whether it reached the village."""
    if not recipients:
        return "已批示。本线索没有其他可查看的承办人员，批示仅记入线索。"
    names = "、".join(
        f"{user.real_name}（{user.unit.name}）" if user.unit else user.real_name
        for user in recipients
    )
    return f"批示已送达：{names}。"
