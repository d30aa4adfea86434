import string
from typing import Any

from django.core.exceptions import ValidationError

from saohei.accounts.policy import get_policy


def character_classes(password: str) -> int:
    return sum(
        [
            any(c in string.ascii_uppercase for c in password),
            any(c in string.ascii_lowercase for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
    )


class PolicyPasswordValidator:
    """Length, character classes and username, as set in the security policy."""

    def validate(self, password: str, user: Any = None) -> None:
        policy = get_policy()
        problems = []
        if len(password) < policy.password_min_length:
            problems.append(f"密码长度至少 {policy.password_min_length} 位")
        if character_classes(password) < policy.password_min_classes:
            problems.append(
                f"密码须包含大写字母、小写字母、数字、符号中的至少 {policy.password_min_classes} 类"
            )
        username = getattr(user, "username", "") if user is not None else ""
        if username and username.lower() in password.lower():
            problems.append("密码不能包含用户名")
        if problems:
            raise ValidationError(problems, code="password_policy")

    def get_help_text(self) -> str:
        policy = get_policy()
        return (
            f"至少 {policy.password_min_length} 位，包含大写字母、小写字母、数字、符号中的至少 "
            f"{policy.password_min_classes} 类，且不含用户名。"
        )
