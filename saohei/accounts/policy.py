from django.http import HttpRequest

from saohei.accounts.models import SecurityPolicy


def get_policy() -> SecurityPolicy:
    """The saved policy, or the defaults if the 安全管理员 never saved one."""
    return SecurityPolicy.objects.filter(pk=1).first() or SecurityPolicy(pk=1)


def policy_for(request: HttpRequest) -> SecurityPolicy:
    """The policy, read once per request: the middleware and the page's idle timer both need it."""
    policy = getattr(request, "_saohei_policy", None)
    if policy is None:
        policy = get_policy()
        setattr(request, "_saohei_policy", policy)  # noqa: B010 - HttpRequest has no such field
    return policy
