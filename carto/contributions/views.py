"""Pages shared by the contribution flows (proposing, moderating, history)."""

from django.shortcuts import render


def rate_limited(request, exception=None):
    """A write refused by the rate limit (django-ratelimit, settings.RATELIMIT_VIEW): 429,
    in French, and nothing the visitor typed is lost (they go back to their form)."""
    return render(request, "contributions/trop_de_demandes.html", status=429)
