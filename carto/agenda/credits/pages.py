"""The exchange's pages for everyone: its public page (currency, rules, themes online) and
a participant's volunteering page (declare hours, follow the claims).

The public page shows no person: référents are counted, not named (a user name may be an
e-mail address), and accounts keep to their pseudonyms. The volunteering page is personal
(signed in), never cached."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import OuterRef, Subquery
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from . import volunteering
from .forms import ClaimForm
from .models import Entry, Exchange, VolunteeringClaim
from .referents import SIGN_IN


@require_GET
def exchange_page(request, slug: str):
    """GET /credits/echanges/<slug>/: the exchange, its rules and its themes online."""
    exchange = get_object_or_404(Exchange, slug=slug)
    user = request.user
    is_referent = exchange.is_referent(user)
    return render(
        request,
        "credits/echange.html",
        {
            "exchange": exchange,
            "themes": exchange.themes.filter(active=True).order_by("label", "pk"),
            "referent_count": exchange.referents.count(),
            "is_referent": is_referent,
            "may_edit_rules": user.is_staff or is_referent,
        },
    )


@never_cache
@login_required(login_url=SIGN_IN)
@require_http_methods(["GET", "POST"])
def my_claims(request, slug: str):
    """GET, POST /credits/echanges/<slug>/benevolat/: declare hours (the account is opened
    on the first claim, under the pseudonym given) and see every claim and its state."""
    exchange = get_object_or_404(Exchange, slug=slug)
    account = volunteering.account_of(exchange, request.user)
    form = ClaimForm(request.POST or None, needs_pseudonym=account is None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if account is None:
                account = volunteering.open_account(exchange, request.user, data["pseudonym"])
            volunteering.declare(
                account,
                request.user,
                day=data["day"],
                hours=data["hours"],
                description=data["description"],
            )
        except volunteering.ClaimRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(
                request, "Heures déclarées : un·e référent·e de l’échange va les examiner."
            )
            return redirect("credits:my-claims", slug=exchange.slug)
    # What each validated claim brought to the account: the entry of its transaction.
    credited = Entry.objects.filter(
        transaction=OuterRef("transaction"), account=OuterRef("account")
    )
    claims = VolunteeringClaim.objects.filter(exchange=exchange, claimant=request.user).annotate(
        credited=Subquery(credited.values("amount")[:1])
    )
    return render(
        request,
        "credits/benevolat.html",
        {
            "exchange": exchange,
            "account": account,
            "form": form,
            "claims": claims,
        },
        status=400 if form.is_bound and form.errors else 200,
    )
