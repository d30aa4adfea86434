from django.db.models import Q

from saohei.api.models import ApiToken, ApiTokenQuerySet
from saohei.common.roles import Role
from saohei.organisations.access import managed_units
from saohei.organisations.models import User


def visible_tokens(user: User) -> ApiTokenQuerySet:
    """Own tokens; a 安全管理员 also sees those of the accounts in the units they manage."""
    condition = Q(user=user)
    if user.has_role(Role.SECURITY_ADMIN):
        condition |= Q(user__unit__in=managed_units(user, Role.SECURITY_ADMIN))
    return ApiToken.objects.filter(condition).select_related("user", "user__unit")
