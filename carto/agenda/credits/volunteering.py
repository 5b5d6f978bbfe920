"""Volunteering hours, from the participant's claim to the référent's decision.

Design choices:
- A claim is not money: it waits as a `VolunteeringClaim` until a référent of the exchange
  validates it, and only then `services.earn_for_volunteering` pays it, at the rate of the
  day of the validation (as every rate applies when a transaction is posted).
- A decision locks the claim's row first: two clicks, two tabs or two référents at once
  are served one after the other, and the second finds the claim already decided. The
  payment's idempotency key is derived from the claim (« volunteering-claim:<id> »), so
  even a retry that got past the lock could not pay twice: the ledger returns the
  transaction already written.
- Nobody validates their own hours: neither the claimant nor the holder of the account.
- A participant's account is opened on their first claim, under the pseudonym they give
  (the only name the exchange shows); erased accounts receive nothing.
"""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from . import services
from .models import Account, AccountKind, ClaimState, Exchange, VolunteeringClaim

KEY_PREFIX = "volunteering-claim"


class ClaimRefused(services.LedgerError):
    """A decision the exchange refuses; the message is for people (French)."""


def account_of(exchange: Exchange, user) -> Account | None:
    """The participant account `user` holds in `exchange`, if any."""
    return Account.objects.filter(
        exchange=exchange, kind=AccountKind.PARTICIPANT, holder=user
    ).first()


def open_account(exchange: Exchange, user, pseudonym: str) -> Account:
    """The participant account of `user`, opened under `pseudonym` when it does not exist
    (a concurrent first claim gets the same account: the unique constraint decides)."""
    account, _ = Account.objects.get_or_create(
        exchange=exchange,
        kind=AccountKind.PARTICIPANT,
        holder=user,
        defaults={"pseudonym": pseudonym.strip()},
    )
    return account


def claim_key(claim: VolunteeringClaim) -> str:
    return f"{KEY_PREFIX}:{claim.pk}"


def declare(account: Account, user, *, day, hours: Decimal, description: str):
    """A pending claim of `hours` on `day` for `account`, declared by `user`."""
    if account.erased_at is not None:
        raise ClaimRefused("Ce compte a été effacé : il ne reçoit plus de crédits.")
    return VolunteeringClaim.objects.create(
        exchange=account.exchange,
        account=account,
        claimant=user,
        day=day,
        hours=hours,
        description=description.strip(),
    )


def _may_decide(claim: VolunteeringClaim, referent) -> None:
    exchange = claim.exchange
    if not exchange.is_referent(referent):
        raise ClaimRefused(
            f"Seul·e un·e référent·e de l’échange « {exchange.name} » décide des heures "
            "de bénévolat."
        )
    if referent.pk in (claim.claimant_id, claim.account.holder_id):
        raise ClaimRefused(
            "Vous ne pouvez pas valider ni refuser vos propres heures : un·e autre "
            "référent·e de l’échange s’en charge."
        )


def _locked(claim: VolunteeringClaim) -> VolunteeringClaim:
    return (
        VolunteeringClaim.objects.select_for_update(of=("self",))
        .select_related("exchange", "account")
        .get(pk=claim.pk)
    )


def validate(claim: VolunteeringClaim, referent):
    """Pay `claim` (hours × the exchange's volunteering rate today), validated by
    `referent`. A claim already validated returns its transaction and pays nothing more.
    Raises ClaimRefused (not a référent, own hours, claim refused, account erased)."""
    with transaction.atomic():
        claim = _locked(claim)
        _may_decide(claim, referent)
        if claim.state == ClaimState.VALIDATED:
            return claim.transaction
        if claim.state == ClaimState.REFUSED:
            raise ClaimRefused(
                "Cette déclaration a déjà été refusée : elle ne peut plus être validée."
            )
        posted = services.earn_for_volunteering(
            claim.account,
            claim.hours,
            key=claim_key(claim),
            validated_by=referent,
            reference=claim_key(claim),
            memo=f"Bénévolat du {claim.day:%d/%m/%Y} ({services.fmt(claim.hours)} h)",
        )
        claim.state = ClaimState.VALIDATED
        claim.transaction = posted
        claim.decided_by = referent
        claim.decided_at = timezone.now()
        claim.save(update_fields=["state", "transaction", "decided_by", "decided_at"])
    return posted


def refuse(claim: VolunteeringClaim, referent, reason: str) -> VolunteeringClaim:
    """Refuse `claim` with `reason` (shown to the claimant). Refusing it again changes
    nothing; a validated claim is not refused (reverse its transaction instead)."""
    reason = reason.strip()
    if not reason:
        raise ClaimRefused("Indiquez le motif du refus : la personne le lira.")
    with transaction.atomic():
        claim = _locked(claim)
        _may_decide(claim, referent)
        if claim.state == ClaimState.REFUSED:
            return claim
        if claim.state == ClaimState.VALIDATED:
            raise ClaimRefused(
                "Cette déclaration a déjà été validée et payée : pour l’annuler, la "
                "transaction doit être contre-passée."
            )
        claim.state = ClaimState.REFUSED
        claim.refusal_reason = reason
        claim.decided_by = referent
        claim.decided_at = timezone.now()
        claim.save(update_fields=["state", "refusal_reason", "decided_by", "decided_at"])
    return claim
