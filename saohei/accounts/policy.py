from saohei.accounts.models import SecurityPolicy


def get_policy() -> SecurityPolicy:
    """The saved policy, or the defaults if the 安全管理员 never saved one."""
    return SecurityPolicy.objects.filter(pk=1).first() or SecurityPolicy(pk=1)
