"""« Mon espace »: people sign in by a link sent to their e-mail, keep a pseudonymous
profile, publish what they can teach or want to learn, and can erase themselves.

Design choices:
- No password: a sign-in link carries the e-mail and the account's last login, signed by
  Django (TimestampSigner, SIGN_IN_MAX_AGE). Signing in changes the last login, so a link
  serves once; the check and the change happen under the account's row lock, so two clicks
  at the same instant do not both pass. Nothing is stored for a link.
- The answer to « send me a link » is the same whether the e-mail is known or not (no
  account enumeration); the account is created when the link is first used. Staff accounts
  never sign in this way: they have their own sign-in page (moderation).
- A person's profile is the catalogue's `Participant`: a pseudonym and a real commune,
  chosen by name or INSEE code. Their offers and requests are placed at the commune's
  town hall (catalogue.place_at_commune) and are public only while they consent
  (`Skill.objects.listed()`).
- Erasure reuses services.erase_person (registrations emptied, credit accounts anonymised,
  ledger entries and totals kept), then deletes the account, and with it the profile, the
  offers and the requests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from django import forms
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from carto.actors.models import Theme
from carto.contributions.propose.honeypot import HoneypotMixin
from carto.territories.codes import search_key
from carto.territories.models import Territory

from . import catalogue, services
from .models import Level, Mode, Participant, Registration, Skill

SIGN_IN = "agenda-sign-in"  # the sign-in page's URL name: where login_required sends people
SIGN_IN_MAX_AGE = timedelta(minutes=30)
SIGN_IN_SALT = "carto.agenda.people.sign-in"
CONSENT_LABEL = (
    "J’accepte d’apparaître dans le catalogue public des échanges de savoirs : seuls mon "
    "pseudonyme et ma commune y sont montrés, jamais mon courriel ni une adresse plus précise."
)
COMMUNE_CODE = re.compile(r"^(\d{5}|2[AB]\d{3})$", re.IGNORECASE)
CODE_IN_PARENS = re.compile(r"\((\d{5}|2[AB]\d{3})\)\s*$", re.IGNORECASE)


class SignInError(Exception):
    """A sign-in link that cannot be used; the message is French, for the visitor."""


# -- the sign-in link -----------------------------------------------------------------------


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SIGN_IN_SALT)


def _stamp(user) -> str:
    """What changes when the link is used: the account's last login ('' if none yet)."""
    if user is None or user.last_login is None:
        return ""
    return user.last_login.isoformat()


def account_of(email: str):
    """The account of this e-mail (the oldest when several share it), or None."""
    return get_user_model().objects.filter(email__iexact=email).order_by("id").first()


def safe_next(path: str | None) -> str:
    """`path` when it is a page of this site (a path, no host), else "": where to go after
    signing in, never another site (an open redirect)."""
    path = (path or "").strip()
    # Django refuses any host (« //x », « /\\x », « https://x »); a path must also be absolute.
    if path.startswith("/") and url_has_allowed_host_and_scheme(path, allowed_hosts=set()):
        return path
    return ""


def sign_in_token(email: str) -> str:
    email = email.strip().lower()
    return _signer().sign_object({"email": email, "stamp": _stamp(account_of(email))})


def send_sign_in_link(email: str, then: str = "") -> bool:
    """Mail a sign-in link to `email`, known or not, leading to the page `then` (a path of
    this site, already checked by safe_next) after sign-in. False when the mail could not
    leave."""
    email = email.strip().lower()
    url = services.site_url(reverse("agenda-sign-in-link", args=[sign_in_token(email)]))
    if then:
        url += "?" + urlencode({"suite": then})
    minutes = int(SIGN_IN_MAX_AGE.total_seconds() // 60)
    try:
        send_mail(
            "Votre lien de connexion à carto",
            render_to_string("agenda/mail/connexion.txt", {"url": url, "minutes": minutes}),
            None,
            [email],
        )
    except OSError:
        services.logger.exception("the sign-in link could not leave")
        return False
    return True


def _get_or_create_account(email: str):
    user = account_of(email)
    if user is not None:
        return user
    User = get_user_model()
    user = User(username=email[:150], email=email)
    user.set_unusable_password()  # signs in by link only
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # created by a concurrent click, or the username is taken
        user = account_of(email)
        if user is None:
            user = User(username=f"{email[:130]}-{timezone.now():%Y%m%d%H%M%S%f}", email=email)
            user.set_unusable_password()
            user.save()
    return user


def redeem(token: str):
    """The account this link signs in (created on first use); the link is spent. Raises
    SignInError (expired, forged, already used, or a staff account)."""
    try:
        data = _signer().unsign_object(token, max_age=SIGN_IN_MAX_AGE)
    except signing.SignatureExpired:
        raise SignInError(
            "Ce lien de connexion a expiré : demandez-en un nouveau ci-dessous."
        ) from None
    except signing.BadSignature:
        raise SignInError(
            "Ce lien de connexion n’est pas valide (incomplet ou modifié) : demandez-en un "
            "nouveau ci-dessous."
        ) from None
    email = data.get("email", "")
    with transaction.atomic():
        user = _get_or_create_account(email)
        user = get_user_model().objects.select_for_update().get(pk=user.pk)
        if _stamp(user) != data.get("stamp"):
            raise SignInError("Ce lien de connexion a déjà servi : demandez-en un nouveau.")
        if user.is_staff or user.is_superuser or not user.is_active:
            raise SignInError(
                "Ce compte ne se connecte pas par lien : utilisez la page de connexion de la "
                "modération."
            )
        user.last_login = timezone.now()
        user.save(update_fields=["last_login"])
    return user


# -- the profile ----------------------------------------------------------------------------


def find_commune(text: str) -> Territory:
    """The commune named or coded by `text` (« Lens », « 62498 », « Lens (62498) »).
    Raises forms.ValidationError naming what is wrong."""
    text = " ".join(text.split())
    communes = Territory.objects.filter(kind="commune")
    code = CODE_IN_PARENS.search(text) or COMMUNE_CODE.match(text)
    if code:
        found = communes.filter(code=code.group(1).upper()).first()
        if found is None:
            raise forms.ValidationError(f"aucune commune n’a le code INSEE « {code.group(1)} ».")
        return found
    candidates = list(communes.search(text)[:8])
    exact = [c for c in candidates if search_key(c.name) == search_key(text)]
    if len(exact) == 1:
        return exact[0]
    if exact:
        named = ", ".join(f"{c.name} ({c.code})" for c in exact)
        raise forms.ValidationError(
            f"plusieurs communes s’appellent « {text} » : {named} ; indiquez le code INSEE."
        )
    if candidates:
        named = ", ".join(f"{c.name} ({c.code})" for c in candidates[:5])
        raise forms.ValidationError(
            f"aucune commune ne s’appelle exactement « {text} » ; vouliez-vous dire : {named} ?"
        )
    raise forms.ValidationError(f"aucune commune ne s’appelle « {text} » ni n’a ce code INSEE.")


def commune_label(code: str) -> str:
    commune = Territory.objects.filter(kind="commune", code=code).first()
    return f"{commune.name} ({commune.code})" if commune else code


class ProfileForm(forms.Form):
    pseudonym = forms.CharField(
        label="Pseudonyme",
        max_length=80,
        help_text="Le seul nom montré en public (un prénom, un surnom).",
    )
    commune = forms.CharField(
        label="Commune (nom ou code INSEE)",
        max_length=200,
        help_text="Vous êtes placé·e à la mairie de votre commune, jamais plus précisément.",
    )
    consent = forms.BooleanField(label=CONSENT_LABEL, required=False)

    def clean_pseudonym(self) -> str:
        pseudonym = " ".join(self.cleaned_data["pseudonym"].split())
        if "@" in pseudonym:
            raise forms.ValidationError(
                "un pseudonyme ne contient pas d’adresse e-mail : il peut être public."
            )
        return pseudonym

    def clean_commune(self) -> Territory:
        return find_commune(self.cleaned_data["commune"])


def profile_initial(participant: Participant | None) -> dict:
    if participant is None:
        return {}
    return {
        "pseudonym": participant.pseudonym,
        "commune": commune_label(participant.commune_code),
        "consent": participant.consent,
    }


def save_profile(user, pseudonym: str, commune: Territory, consent: bool) -> Participant:
    """Create or change the person's profile; a new commune moves their offers and requests
    to its town hall."""
    with transaction.atomic():
        participant, created = Participant.objects.select_for_update().get_or_create(
            user=user,
            defaults={"pseudonym": pseudonym, "commune_code": commune.code, "consent": consent},
        )
        moved = not created and participant.commune_code != commune.code
        participant.pseudonym, participant.commune_code = pseudonym, commune.code
        participant.consent = consent
        participant.save()
        if moved:
            for skill in participant.skills.all():
                skill.participant = participant
                catalogue.save_skill(skill)
    return participant


# -- offers and requests --------------------------------------------------------------------

TITLE_LABELS = {
    Skill.Direction.OFFER: "Je peux transmettre …",
    Skill.Direction.REQUEST: "Je cherche à apprendre …",
}


class SkillForm(forms.Form):
    """An offer or a request by a person, fields as the catalogue's `Skill`."""

    direction = forms.ChoiceField(choices=Skill.Direction.choices, widget=forms.HiddenInput)
    title = forms.CharField(max_length=200, help_text="Par exemple « créer une adresse e-mail ».")
    description = forms.CharField(
        label="Précisions (facultatif)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    themes = forms.MultipleChoiceField(label="Thème(s)", widget=forms.CheckboxSelectMultiple)
    level = forms.ChoiceField(
        label="Niveau", required=False, choices=[("", "Tous niveaux"), *Level.choices]
    )
    format = forms.ChoiceField(
        label="Format",
        required=False,
        choices=[("", "Indifférent"), *((f.value, f.label) for f in catalogue.SKILL_FORMATS)],
    )
    modes = forms.MultipleChoiceField(
        label="Où", choices=Mode.choices, widget=forms.CheckboxSelectMultiple
    )
    duration_minutes = forms.IntegerField(
        label="Durée (minutes, facultatif)", required=False, min_value=15, max_value=24 * 60
    )

    def __init__(self, *args, direction: str = Skill.Direction.OFFER, **kwargs):
        kwargs.setdefault("prefix", direction)
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("direction", direction)
        super().__init__(*args, **kwargs)
        self.sense = direction  # not `direction`: in templates that is the bound field
        self.fields["title"].label = TITLE_LABELS[direction]
        # The themes référents put online (exchanges) are offered as they type.
        self.fields["title"].widget.attrs["list"] = f"themes-echanges-{direction}"
        self.fields["themes"].choices = list(Theme.objects.values_list("slug", "label"))

    def clean_direction(self) -> str:
        if self.cleaned_data["direction"] != self.sense:
            raise forms.ValidationError("sens inattendu : offre ou demande.")
        return self.sense


def add_skill(participant: Participant, values: dict) -> Skill:
    """A person's offer or request, placed at their commune's town hall."""
    skill = Skill(
        participant=participant,
        direction=values["direction"],
        title=" ".join(values["title"].split()),
        description=values.get("description", "").strip(),
        themes=list(values["themes"]),
        level=values.get("level") or "",
        format=values.get("format") or "",
        modes=list(values["modes"]),
        duration_minutes=values.get("duration_minutes"),
    )
    return catalogue.save_skill(skill)


# -- registrations --------------------------------------------------------------------------


def registrations_of(user):
    """The person's registrations: made with their account, or by their e-mail alone
    before (the sign-in link proved the address is theirs)."""
    mine = Q(user=user)
    if user.email:
        mine |= Q(email=user.email.strip().lower())
    return Registration.objects.filter(mine).select_related("occurrence__event")


@dataclass
class Registrations:
    upcoming: list
    past: list


def split_registrations(user) -> Registrations:
    now = timezone.now()
    rows = registrations_of(user).order_by("occurrence__starts_at", "id")
    upcoming = [
        r for r in rows if r.occurrence.ends_at > now and r.state != Registration.State.CANCELLED
    ]
    past = [r for r in rows if r.occurrence.ends_at <= now]
    return Registrations(upcoming, list(reversed(past)))


# -- erasure --------------------------------------------------------------------------------


def erase_me(user) -> services.Erased:
    """Erase the person on request: registrations and credit accounts as services.erase_person
    does (entries and totals kept), then the account with its profile, offers and requests."""
    with transaction.atomic():
        erased = services.erase_person(email=user.email, user=user)
        get_user_model().objects.filter(pk=user.pk).delete()
    return erased


class EraseForm(forms.Form):
    confirm = forms.BooleanField(
        label="Je confirme : effacer mes données (cela ne peut pas être annulé).",
        error_messages={"required": "cochez la case pour confirmer l’effacement."},
    )


class SignInForm(HoneypotMixin, forms.Form):
    email = forms.EmailField(
        label="Votre courriel",
        help_text="Nous y envoyons un lien de connexion ; il n’est jamais publié.",
    )
