"""« Mon espace »: signing in by e-mail link, the profile, registrations, offers and
requests, credit accounts and their statements, erasure (use cases in people.py).

Every page here is personal: never cached (`never_cache`), reached only signed in (else the
sign-in page). Each form posts to its own address; a form with errors is shown again on
the space page (200, as the house's other forms) with what was typed and an error naming
the field.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from carto.agenda.credits import services as ledger
from carto.agenda.credits.models import Account, Exchange, ExchangeTheme
from carto.contributions.propose.guards import protected_write

from . import catalogue, people, services
from .models import Participant, Skill

SIGN_IN = people.SIGN_IN
BACKEND = "django.contrib.auth.backends.ModelBackend"


def personal(view):
    """Signed in (else the sign-in page, coming back here after), never cached."""
    return never_cache(login_required(login_url=SIGN_IN)(view))


@never_cache
@require_http_methods(["GET", "POST"])
@protected_write
def sign_in(request):
    """GET the e-mail form; POST mails a link. The same answer whether the address has an
    account or not."""
    form = people.SignInForm(request.POST if request.method == "POST" else None)
    # Where a page that needs the sign-in sent the person (login_required's `next`).
    then = people.safe_next(request.POST.get("suite") or request.GET.get("next"))
    if request.method == "POST" and form.is_valid():
        people.send_sign_in_link(form.cleaned_data["email"], then)
        return render(
            request, "agenda/moi/connexion.html",
            {"sent_to": form.cleaned_data["email"], "form": people.SignInForm(), "suite": then},
        )  # fmt: skip
    return render(request, "agenda/moi/connexion.html", {"form": form, "suite": then})


@never_cache
@require_http_methods(["GET", "POST"])
def sign_in_link(request, token: str):
    """GET asks to confirm (a mail scanner opening the link spends nothing); POST signs in."""
    then = people.safe_next(request.POST.get("suite") or request.GET.get("suite"))
    if request.method == "POST":
        try:
            user = people.redeem(token)
        except people.SignInError as exc:
            messages.error(request, str(exc))
            return redirect(SIGN_IN)
        login(request, user, backend=BACKEND)
        messages.success(request, "Vous êtes connecté·e.")
        return redirect(then or "agenda-me")
    response = render(request, "agenda/moi/lien.html", {"token": token, "suite": then})
    response["Referrer-Policy"] = "same-origin"  # the token never leaves this site
    return response


@require_POST
def sign_out(request):
    logout(request)
    messages.success(request, "Vous êtes déconnecté·e.")
    return redirect(SIGN_IN)


def _participant(user) -> Participant | None:
    return Participant.objects.filter(user=user).first()


def _space(request, **forms):
    """The space page; `forms` replace the blank ones (a bound form with its errors)."""
    user = request.user
    participant = _participant(user)
    skills = list(participant.skills.order_by("-created_at", "id")) if participant else []
    for skill in skills:
        if skill.direction == Skill.Direction.REQUEST:
            skill.offers = catalogue.matching_offers(skill)
            skill.sessions = catalogue.matching_sessions(skill)
    context = {
        "participant": participant,
        "profile_form": forms.get("profile_form")
        or people.ProfileForm(initial=people.profile_initial(participant)),
        "offer_form": forms.get("offer_form") or people.SkillForm(direction="offer"),
        "request_form": forms.get("request_form")
        or people.SkillForm(
            direction="request", initial={"title": request.GET.get("apprendre", "")[:200]}
        ),
        "learning": bool(request.GET.get("apprendre")),
        "exchange_themes": ExchangeTheme.objects.filter(active=True)
        .order_by("label")
        .values_list("label", flat=True)
        .distinct(),
        "offers": [s for s in skills if s.direction == Skill.Direction.OFFER],
        "requests": [s for s in skills if s.direction == Skill.Direction.REQUEST],
        "registrations": people.split_registrations(user),
        "accounts": Account.objects.filter(holder=user).select_related("exchange"),
        "exchanges": [
            (exchange, exchange.is_referent(user)) for exchange in Exchange.objects.order_by("name")
        ],
        "consent_label": people.CONSENT_LABEL,
    }
    return render(request, "agenda/moi/espace.html", context)


@personal
def space(request):
    return _space(request)


@personal
@require_POST
def profile(request):
    form = people.ProfileForm(request.POST)
    if not form.is_valid():
        return _space(request, profile_form=form)
    people.save_profile(
        request.user, form.cleaned_data["pseudonym"], form.cleaned_data["commune"],
        form.cleaned_data["consent"],
    )  # fmt: skip
    messages.success(request, "Votre profil est enregistré.")
    return redirect("agenda-me")


@personal
@require_POST
def add_skill(request, direction: str):
    if direction not in Skill.Direction.values:
        raise Http404("Sens inconnu : offre ou demande.")
    form = people.SkillForm(request.POST, direction=direction)
    participant = _participant(request.user)
    if participant is None:
        form.is_valid()  # keep what was typed
        form.add_error(None, "Renseignez d’abord votre pseudonyme et votre commune (profil).")
        return _space(request, **{f"{direction}_form": form})
    if not form.is_valid():
        return _space(request, **{f"{direction}_form": form})
    skill = people.add_skill(participant, form.cleaned_data)
    published = (
        ""
        if participant.consent
        else " Elle n’est pas publique : vous n’avez pas donné votre accord pour apparaître."
    )
    noun = "Votre offre" if direction == Skill.Direction.OFFER else "Votre demande"
    messages.success(request, f"{noun} « {skill.title} » est enregistrée.{published}")
    return redirect("agenda-me")


@personal
@require_POST
def withdraw_skill(request, pk: int):
    skill = get_object_or_404(Skill, pk=pk, participant__user=request.user)
    skill.delete()
    messages.success(request, f"« {skill.title} » est retiré du catalogue.")
    return redirect("agenda-me")


@personal
@require_POST
def cancel_registration(request, pk: int):
    registration = get_object_or_404(people.registrations_of(request.user), pk=pk)
    services.cancel(registration)
    messages.success(
        request, f"Votre inscription à « {registration.occurrence.event} » est annulée."
    )
    return redirect("agenda-me")


@personal
def account(request, pk: int):
    """A credit account of the person: balance and statement (its CSV beside)."""
    held = get_object_or_404(Account.objects.select_related("exchange"), pk=pk, holder=request.user)
    return render(
        request, "agenda/moi/compte.html",
        {"account": held, "statement": ledger.statement(held)},
    )  # fmt: skip


@personal
@require_http_methods(["GET", "POST"])
def erase(request):
    form = people.EraseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        erased = people.erase_me(request.user)
        logout(request)
        messages.success(
            request,
            f"Vos données sont effacées : {erased.registrations} inscription(s) anonymisée(s), "
            f"{erased.accounts} compte(s) de crédits anonymisé(s) (les totaux restent justes).",
        )
        return redirect(SIGN_IN)
    return render(request, "agenda/moi/effacer.html", {"form": form})
