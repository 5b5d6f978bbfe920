"""The owner's page: `/proprietaire/<token>/` to update the entry, and a new link on demand.

The token in the path is the only credential: the pages send their address as referrer to
this site only (`Referrer-Policy: same-origin`: no linked site or tile server reads the
token; a no-referrer page would make the browser post with `Origin: null`, which Django's
CSRF check rightly refuses), are never cached, keep Django's CSRF check, and their writes
are rate-limited per address. An unknown, expired or revoked token is a 404 in French."""

from functools import wraps

from django.conf import settings
from django.shortcuts import render
from django.utils.module_loading import import_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit
from django_ratelimit.exceptions import Ratelimited

from carto.actors.models import Actor

from ..owners import issue_owner_link, submit, valid_link
from ..services import EditConflict
from .forms import owner_form_class

OUTCOMES = {
    "applied": "Merci : vos modifications sont enregistrées et déjà visibles.",
    "proposed": "Merci : vos modifications sont transmises aux modérateurs de votre territoire ; "
    "elles seront visibles une fois validées.",
    "unchanged": "Aucune modification : la fiche est déjà à jour.",
}


def contribution_rate(group, request) -> str:
    """CARTO_CONTRIBUTION_RATE, read at request time."""
    return settings.CARTO_CONTRIBUTION_RATE


def rate_limited(view):
    """POSTs limited per address (the owners' own count); past it, the contributions'
    429 page (settings.RATELIMIT_VIEW), whether or not django-ratelimit's middleware is on."""
    limited = ratelimit(
        group="owners", key="ip", rate=contribution_rate, method="POST", block=True
    )(view)

    @wraps(view)
    def answered(request, *args, **kwargs):
        try:
            return limited(request, *args, **kwargs)
        except Ratelimited as exc:
            return private_page(import_string(settings.RATELIMIT_VIEW)(request, exc))

    return answered


def private_page(response):
    """The token in the address never leaves this site (see the module docstring)."""
    response["Referrer-Policy"] = "same-origin"
    return response


def invalid_link(request):
    return private_page(render(request, "contributions/owners/lien_invalide.html", status=404))


def masked(email: str) -> str:
    """« m…@example.org »: enough for the owner to recognise their address."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}…@{domain}" if domain else "…"


def render_form(request, link, form, message: str = "", status: int = 200):
    context = {
        "entry": link.entry,
        "is_actor": isinstance(link.entry, Actor),
        "form": form,
        "public_fields": [f for f in form.visible_fields() if not f.name.startswith("contact_")],
        "contact_fields": [f for f in form.visible_fields() if f.name.startswith("contact_")],
        "message": message,
        "token": request.resolver_match.kwargs["token"],
        "expires_at": link.expires_at,
    }
    return private_page(
        render(request, "contributions/owners/modifier.html", context, status=status)
    )


@never_cache
@require_http_methods(["GET", "POST"])
@rate_limited
def edit(request, token: str):
    link = valid_link(token)
    if link is None:
        return invalid_link(request)
    entry = type(link.entry).objects.get(pk=link.entry.pk)
    form_class = owner_form_class(entry)
    if request.method == "GET":
        return render_form(
            request, link, form_class(instance=entry, initial={"version": entry.version})
        )
    form = form_class(request.POST, instance=entry)
    if not form.is_valid():
        return render_form(request, link, form, status=400)
    try:
        outcome = submit(link, form.cleaned_data["version"], form.changed_values())
    except EditConflict as conflict:
        data = request.POST.copy()  # what the owner typed, on the current version
        data["version"] = str(conflict.current.version)
        fresh = form_class(data, instance=conflict.current)
        message = (
            "La fiche a été modifiée par quelqu’un d’autre depuis que vous l’avez ouverte : "
            "rien n’a été enregistré. Vos saisies sont conservées ci-dessous ; vérifiez-les "
            "au regard de la fiche actuelle, puis envoyez-les de nouveau."
        )
        return render_form(request, link, fresh, message=message, status=409)
    fresh_entry = type(entry).objects.get(pk=entry.pk)
    form = form_class(instance=fresh_entry, initial={"version": fresh_entry.version})
    return render_form(request, link, form, message=OUTCOMES[outcome])


@never_cache
@require_POST
@rate_limited
def rotate(request, token: str):
    """A new link by mail to the same address; this one stops working."""
    link = valid_link(token)
    if link is None:
        return invalid_link(request)
    issue_owner_link(link.entry, link.email)
    return private_page(
        render(request, "contributions/owners/nouveau_lien.html", {"email": masked(link.email)})
    )
