"""The référents' pages of an exchange: themes put online or offline, the volunteering
claims to decide, the rules (rates, floor).

Access is by exchange, not by Django permission: a référent is a row of
`Exchange.referents`, so a coalition names its référents in the admin and they act on
their exchange only. Anonymous visitors go to the login page; anyone else signed in gets a
French 403 page. The rules may also be changed by staff (the coalition's administrators);
validating hours stays with référents, as the ledger requires (services.post).
Who did what is kept: `put_online_by` on themes, `decided_by` on claims, `validated_by` on
the transaction, and the history of the exchange and its themes (django-simple-history,
whose middleware records the user of the request)."""

from functools import wraps
from itertools import pairwise

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from carto.agenda import people

from . import volunteering
from .forms import RefusalForm, RulesForm, ThemeForm
from .models import ClaimState, Exchange, ExchangeTheme, VolunteeringClaim

RULE_FIELDS = RulesForm.Meta.fields


# People sign in by an e-mail link (« Mon espace »), and come back here after.
SIGN_IN = people.SIGN_IN


def referent_required(*, staff: bool = False):
    """The view gets the exchange of its `slug` when the user is one of its référents
    (or staff, when `staff`); others get the French 403 page."""

    def decorate(view):
        @never_cache
        @login_required(login_url=SIGN_IN)
        @wraps(view)
        def checked(request, slug: str, *args, **kwargs):
            exchange = get_object_or_404(Exchange, slug=slug)
            allowed = exchange.is_referent(request.user) or (staff and request.user.is_staff)
            if not allowed:
                return render(request, "credits/interdit.html", {"exchange": exchange}, status=403)
            return view(request, exchange, *args, **kwargs)

        return checked

    return decorate


@referent_required()
@require_http_methods(["GET", "POST"])
def themes(request, exchange: Exchange):
    """GET, POST /credits/echanges/<slug>/themes/: every theme, online or not, and the form
    that puts a new one online (its slug derived from its label, unique in the exchange)."""
    form = ThemeForm(request.POST or None, exchange=exchange)
    if request.method == "POST" and form.is_valid():
        form.instance.put_online_by = request.user
        try:
            with transaction.atomic():
                theme = form.save()
        except IntegrityError:  # the same slug put online at the same moment by another
            form.add_error(
                "label", "Un thème à cette adresse vient d’être créé : rechargez la page."
            )
        else:
            messages.success(request, f"Thème « {theme.label} » mis en ligne.")
            return redirect("credits:themes", slug=exchange.slug)
    return render(
        request,
        "credits/themes.html",
        {
            "exchange": exchange,
            "form": form,
            "themes": exchange.themes.select_related("put_online_by").order_by("-active", "label"),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@referent_required()
@require_POST
def theme_online(request, exchange: Exchange, pk: int):
    """POST /credits/echanges/<slug>/themes/<id>/en-ligne/ with active=1 or 0: put the theme
    back online (recording who did) or take it offline. Its history keeps both."""
    theme = get_object_or_404(ExchangeTheme, exchange=exchange, pk=pk)
    wanted = request.POST.get("active")
    if wanted not in ("0", "1"):
        messages.error(request, "Action inconnue : choisissez « mettre en ligne » ou « retirer ».")
        return redirect("credits:themes", slug=exchange.slug)
    theme.active = wanted == "1"
    if theme.active:
        theme.put_online_by = request.user
    theme.save(update_fields=["active", "put_online_by"])
    state = "remis en ligne" if theme.active else "retiré (hors ligne)"
    messages.success(request, f"Thème « {theme.label} » {state}.")
    return redirect("credits:themes", slug=exchange.slug)


def _queue(request, exchange: Exchange, refusing: tuple[int, RefusalForm] | None = None):
    """The claims to decide, each with its refusal form (the one being refused keeps what
    was typed and its error), and the latest decisions."""
    pending = (
        VolunteeringClaim.objects.filter(exchange=exchange, state=ClaimState.PENDING)
        .select_related("account")
        .order_by("created_at", "pk")
    )
    rows = []
    for claim in pending:
        if refusing and refusing[0] == claim.pk:
            rows.append((claim, refusing[1]))
        else:
            rows.append((claim, RefusalForm(prefix=f"refus-{claim.pk}")))
    decided = (
        VolunteeringClaim.objects.filter(exchange=exchange)
        .exclude(state=ClaimState.PENDING)
        .select_related("account", "decided_by", "transaction")
        .order_by("-decided_at", "-pk")[:20]
    )
    return render(
        request,
        "credits/a_valider.html",
        {"exchange": exchange, "rows": rows, "decided": decided},
        status=400 if refusing else 200,
    )


@referent_required()
@require_http_methods(["GET"])
def claims_to_decide(request, exchange: Exchange):
    """GET /credits/echanges/<slug>/benevolat/a-valider/: the pending claims, oldest first."""
    return _queue(request, exchange)


@referent_required()
@require_POST
def validate_claim(request, exchange: Exchange, pk: int):
    """POST /credits/echanges/<slug>/benevolat/<id>/valider/: pay the claim once (a second
    click finds it validated and pays nothing)."""
    claim = get_object_or_404(VolunteeringClaim, exchange=exchange, pk=pk)
    already = claim.state == ClaimState.VALIDATED
    try:
        posted = volunteering.validate(claim, request.user)
    except volunteering.services.LedgerError as refusal:
        messages.error(request, str(refusal))
    else:
        amount = posted.entries.get(account=claim.account).amount
        if already:
            messages.info(
                request, "Cette déclaration était déjà validée : rien de plus n’a été versé."
            )
        else:
            messages.success(
                request,
                f"Heures de « {claim.account.pseudonym} » validées : "
                f"{volunteering.services.fmt(amount)} {exchange.currency} versés.",
            )
    return redirect("credits:claims-to-decide", slug=exchange.slug)


@referent_required()
@require_POST
def refuse_claim(request, exchange: Exchange, pk: int):
    """POST /credits/echanges/<slug>/benevolat/<id>/refuser/ with a reason (required)."""
    claim = get_object_or_404(VolunteeringClaim, exchange=exchange, pk=pk)
    form = RefusalForm(request.POST, prefix=f"refus-{claim.pk}")
    if not form.is_valid():
        return _queue(request, exchange, refusing=(claim.pk, form))
    try:
        volunteering.refuse(claim, request.user, form.cleaned_data["reason"])
    except volunteering.ClaimRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, f"Déclaration de « {claim.account.pseudonym} » refusée.")
    return redirect("credits:claims-to-decide", slug=exchange.slug)


def rule_changes(exchange: Exchange, limit: int = 20) -> list[dict]:
    """The latest changes of the rules: when, who, and each field from → to."""
    records = list(
        exchange.history.select_related("history_user").order_by("-history_date")[: limit + 1]
    )
    labels = {name: Exchange._meta.get_field(name).verbose_name for name in RULE_FIELDS}
    changes = []
    for newer, older in pairwise(records):
        delta = newer.diff_against(older, included_fields=RULE_FIELDS)
        if delta.changes:
            changes.append(
                {
                    "when": newer.history_date,
                    "who": newer.history_user,
                    "fields": [(labels[c.field], c.old, c.new) for c in delta.changes],
                }
            )
    return changes[:limit]


@referent_required(staff=True)
@require_http_methods(["GET", "POST"])
def rules(request, exchange: Exchange):
    """GET, POST /credits/echanges/<slug>/regles/: the rates and the floor. A change applies
    to the transactions posted from now on; the page lists who changed what."""
    form = RulesForm(request.POST or None, instance=exchange)
    if request.method == "POST" and form.is_valid():
        if form.has_changed():
            form.save()
            messages.success(request, "Règles enregistrées : elles s’appliquent dès maintenant.")
        else:
            messages.info(request, "Aucune règle n’a changé.")
        return redirect("credits:rules", slug=exchange.slug)
    return render(
        request,
        "credits/regles.html",
        {"exchange": exchange, "form": form, "changes": rule_changes(exchange)},
        status=400 if form.is_bound and form.errors else 200,
    )
