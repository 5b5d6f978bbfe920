"""What every write view of the contributions goes through: a rate limit per address and
the honeypot. CSRF stays on (Django's default; no view is exempt).

The rate is read from the settings at each request (CARTO_CONTRIBUTION_RATE, « 10/h » by
default) and counted for all the write views together (one group): ten proposals, reports
or amendments an hour from one address, then 429. Django-ratelimit raises `Ratelimited`;
it is answered here with the contributions' 429 page (settings.RATELIMIT_VIEW), so that
the answer does not depend on its middleware being installed.
"""

from functools import wraps

from django.conf import settings
from django.shortcuts import redirect
from django.utils.module_loading import import_string
from django_ratelimit.decorators import ratelimit
from django_ratelimit.exceptions import Ratelimited

from . import honeypot

GROUP = "contributions"


def contribution_rate(group, request) -> str:
    """The rate of the contributions' writes, from the settings at request time."""
    return settings.CARTO_CONTRIBUTION_RATE


def protected_write(view):
    """Rate limit on POST (429 past it), then the honeypot: filled, the visitor is sent to
    the thank-you page as after a real proposal, and nothing is written."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        if request.method == "POST" and honeypot.is_filled(request.POST):
            return redirect("propose-thanks")
        return view(request, *args, **kwargs)

    limited = ratelimit(group=GROUP, key="ip", rate=contribution_rate, method="POST", block=True)(
        guarded
    )

    @wraps(view)
    def answered(request, *args, **kwargs):
        try:
            return limited(request, *args, **kwargs)
        except Ratelimited as exc:
            return import_string(settings.RATELIMIT_VIEW)(request, exc)

    return answered
