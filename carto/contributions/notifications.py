"""The mails of the contributions, in French: the proposer's follow link, and the
référents told that a proposal of their territories arrived.

A mail that cannot leave (SMTP down) is logged and never undoes a proposal already
written: the proposer still lands on their follow page, and the proposal waits in the
moderation queue. Each référent gets their own message: no address is shown to another.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse

from .models import Proposal, Referent

logger = logging.getLogger(__name__)

MODERATION_PATH = "/moderation/"


def site_url(path: str) -> str:
    return settings.CARTO_SITE_URL.rstrip("/") + path


def _entry_name(proposal: Proposal) -> str:
    """The entry's name on one line (a subject holds no line break), at most 80 characters."""
    return " ".join(str(proposal.entry).split())[:80]


def send_follow_link(proposal: Proposal, token: str) -> bool:
    """Send the proposer their secret follow link, when they gave an address. Whether sent."""
    if not proposal.proposer_email:
        return False
    context = {
        "proposal": proposal,
        "entry": proposal.entry,
        "link": site_url(reverse("propose-follow", kwargs={"token": token})),
    }
    message = EmailMessage(
        subject=f"Votre proposition sur carto : « {_entry_name(proposal)} »",
        body=render_to_string("contributions/mail/suivi.txt", context),
        to=[proposal.proposer_email],
    )
    return send_messages([message])


def referents_to_notify(proposal: Proposal) -> list[Referent]:
    """The référents who decide on this proposal, want to be told, and have an address."""
    referents = Referent.objects.filter(notify=True, territories__overlap=proposal.territory_codes)
    return [
        referent
        for referent in referents.select_related("user").order_by("id")
        if referent.user.email
        and referent.user.is_active
        and referent.covers(proposal.territory_codes, proposal.actor_kind)
    ]


def notify_referents(proposal: Proposal) -> int:
    """Tell the référents of the proposal's territories (and kind). Returns how many."""
    referents = referents_to_notify(proposal)
    if not referents:
        return 0
    context = {
        "proposal": proposal,
        "entry": proposal.entry,
        "kind": proposal.get_kind_display(),
        "territories": ", ".join(
            code
            for code in proposal.territory_codes
            if code.startswith(("commune:", "departement:"))
        ),
        "link": site_url(MODERATION_PATH),
    }
    body = render_to_string("contributions/mail/referents.txt", context)
    subject = f"À modérer : {proposal.get_kind_display().lower()} « {_entry_name(proposal)} »"
    messages = [EmailMessage(subject=subject, body=body, to=[r.user.email]) for r in referents]
    return len(referents) if send_messages(messages) else 0


def send_messages(messages: list[EmailMessage]) -> bool:
    """Send them in one connection; False (logged) when the transport fails."""
    try:
        get_connection().send_messages(messages)
    except Exception:  # any transport failure: the proposal is written, the mail is not
        logger.exception("contributions: mail not sent (%d message(s))", len(messages))
        return False
    return True
