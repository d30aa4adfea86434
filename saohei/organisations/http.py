"""Typing for views behind login: there `request.user` is a `User`, never `AnonymousUser`."""

from django.http import HttpRequest

from saohei.organisations.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """Annotation only (as healthchecks does): use it on views wrapped in `role_required` or
    `login_required`, which send the anonymous to the login page before the view runs."""

    user: User
