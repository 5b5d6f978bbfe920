"""The knowledge-credit exchange (« KAT »): a double-entry ledger.

Design choices:
- Every movement is a Transaction of at least two Entries that sum to zero; the database
  refuses anything else at commit (a deferred constraint trigger, sql/ledger.sql), and it
  refuses any change or deletion of an entry or a transaction (append-only triggers): a
  mistake is corrected by a reversing transaction, never by an edit.
- Credits are created and destroyed at one `issuer` account per exchange: teaching and
  volunteering move credits from the issuer to a participant, attending a session moves
  them back. So the issuer's balance is minus the credits in circulation, every
  exchange's balances sum to zero, and « in circulation == issued − spent » is a check
  on the whole ledger rather than a belief.
- Amounts are `Decimal(12, 2)`, not integer hundredths: rates such as 1.5 KAT an hour
  and sessions of 1 h 30 are the field's daily life, PostgreSQL's numeric sums them
  exactly, and the admin, the statement and the CSV show them as people read them. The
  services quantize every amount to the hundredth (half up) before it is written.
- The rules (rates, floor, who validates) are rows of `Exchange`, edited by the coalition's
  référents on the exchange's rules page (or in the admin), not Django settings: changing
  them needs no deployment, and their history says who changed what. A rate applies when
  a transaction is posted; past transactions keep the amounts they were posted with.
- Volunteering hours are first a `VolunteeringClaim` (declared by the participant), and
  become a transaction only when a référent validates the claim (volunteering.py): the
  claim is the request, the ledger keeps only what was granted.
- People are pseudonymous: an account shows its `pseudonym` in public, and erasing it
  (services.erase_holder) unlinks the person and keeps the entries, so every total stays.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from simple_history.models import HistoricalRecords

AMOUNT = {"max_digits": 12, "decimal_places": 2}
ERASED_PSEUDONYM = "Compte effacé"


class Exchange(models.Model):
    """A coalition's exchange: its currency, its rates, its floor and its référents."""

    name = models.CharField("nom", max_length=200)
    slug = models.SlugField(unique=True, max_length=80)
    currency = models.CharField("unité", max_length=20, default="KAT")
    teaching_rate = models.DecimalField(
        "crédits par heure animée", default=Decimal("1.00"), **AMOUNT
    )
    volunteering_rate = models.DecimalField(
        "crédits par heure de bénévolat", default=Decimal("1.00"), **AMOUNT
    )
    attendance_rate = models.DecimalField(
        "crédits débités par heure suivie", default=Decimal("1.00"), **AMOUNT
    )
    floor = models.DecimalField(
        "solde minimal",
        default=Decimal("0.00"),
        help_text="Un solde ne descend jamais en dessous (négatif : petit découvert permis).",
        **AMOUNT,
    )
    referents = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="credit_exchanges",
        verbose_name="référents KAT",
        help_text="Valident les heures de bénévolat et mettent les thèmes en ligne.",
    )
    # Who changed a rate or the floor, when, from what to what (the rules page shows it).
    history = HistoricalRecords(cascade_delete_history=False, user_db_constraint=False)

    class Meta:
        verbose_name = "échange de savoirs"
        verbose_name_plural = "échanges de savoirs"
        constraints = [
            models.CheckConstraint(
                condition=Q(teaching_rate__gte=0)
                & Q(volunteering_rate__gte=0)
                & Q(attendance_rate__gte=0),
                name="credits_exchange_rates_not_negative",
            ),
            models.CheckConstraint(condition=Q(floor__lte=0), name="credits_exchange_floor_le_0"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        """A new exchange opens with its issuer account: credits come from there."""
        with transaction.atomic():
            created = self._state.adding
            super().save(*args, **kwargs)
            if created:
                Account.objects.create(
                    exchange=self, kind=AccountKind.ISSUER, pseudonym=f"Émission {self.currency}"
                )

    @property
    def issuer(self) -> "Account":
        return self.accounts.get(kind=AccountKind.ISSUER)

    def is_referent(self, user) -> bool:
        return bool(user and user.pk) and self.referents.filter(pk=user.pk).exists()


class ExchangeTheme(models.Model):
    """A theme a référent put online: what participants may ask to learn."""

    exchange = models.ForeignKey(Exchange, on_delete=models.CASCADE, related_name="themes")
    label = models.CharField("thème", max_length=200)
    slug = models.SlugField(max_length=80)
    description = models.TextField(blank=True)
    put_online_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="mis en ligne par",
    )
    active = models.BooleanField("en ligne", default=True)
    # Who took a theme offline or back online, and when.
    history = HistoricalRecords(cascade_delete_history=False, user_db_constraint=False)

    class Meta:
        verbose_name = "thème d’échange"
        verbose_name_plural = "thèmes d’échange"
        constraints = [
            models.UniqueConstraint(fields=["exchange", "slug"], name="credits_theme_unique_slug")
        ]

    def __str__(self) -> str:
        return self.label


class AccountKind(models.TextChoices):
    PARTICIPANT = "participant", "Participant·e"
    ORGANISATION = "organisation", "Organisation"
    ISSUER = "issuer", "Émission"


class Account(models.Model):
    """An account of an exchange. `balance` is a cache written only by services.post under
    the account's row lock; check_invariants compares it with the sum of its entries."""

    exchange = models.ForeignKey(Exchange, on_delete=models.PROTECT, related_name="accounts")
    kind = models.CharField("type", max_length=20, choices=AccountKind.choices)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="credit_accounts",
        verbose_name="titulaire",
    )
    actor = models.ForeignKey(
        "actors.Actor",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="credit_accounts",
        verbose_name="structure",
    )
    pseudonym = models.CharField(
        "pseudonyme", max_length=120, help_text="Le seul nom montré en public."
    )
    balance = models.DecimalField("solde", default=Decimal("0.00"), editable=False, **AMOUNT)
    created_at = models.DateTimeField("ouvert le", auto_now_add=True)
    erased_at = models.DateTimeField("effacé le", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "compte"
        constraints = [
            models.UniqueConstraint(
                fields=["exchange"],
                condition=Q(kind="issuer"),
                name="credits_account_one_issuer",
            ),
            models.UniqueConstraint(
                fields=["exchange", "holder"],
                condition=Q(kind="participant", holder__isnull=False),
                name="credits_account_one_per_person",
            ),
            models.UniqueConstraint(
                fields=["exchange", "actor"],
                condition=Q(kind="organisation", actor__isnull=False),
                name="credits_account_one_per_actor",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=AccountKind.values), name="credits_account_kind_known"
            ),
        ]

    def __str__(self) -> str:
        return self.pseudonym

    @property
    def is_issuer(self) -> bool:
        return self.kind == AccountKind.ISSUER


class TransactionKind(models.TextChoices):
    TEACHING = "teaching", "Séance animée"
    VOLUNTEERING = "volunteering", "Heures de bénévolat"
    ATTENDANCE = "attendance", "Séance suivie"
    REVERSAL = "reversal", "Contre-passation"
    ADJUSTMENT = "adjustment", "Ajustement"


class Transaction(models.Model):
    """One movement, balanced by its entries. Never changed nor deleted (sql/ledger.sql);
    the only update the database lets through is the nulling of `created_by` and
    `validated_by` when a user is deleted (erasure on request)."""

    exchange = models.ForeignKey(Exchange, on_delete=models.PROTECT, related_name="transactions")
    kind = models.CharField("type", max_length=20, choices=TransactionKind.choices)
    idempotency_key = models.CharField(
        "clé d’idempotence",
        max_length=200,
        help_text="Une requête rejouée avec la même clé ne paie pas deux fois.",
    )
    memo = models.CharField("libellé", max_length=300, blank=True)
    reference = models.CharField(
        "référence", max_length=200, blank=True, help_text="Par exemple « occurrence:123 »."
    )
    created_at = models.DateTimeField("date", auto_now_add=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="saisi par",
    )
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="validé par",
    )
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        verbose_name="contre-passe",
    )

    class Meta:
        verbose_name = "transaction"
        constraints = [
            models.UniqueConstraint(
                fields=["exchange", "idempotency_key"], name="credits_transaction_unique_key"
            ),
            models.CheckConstraint(
                condition=Q(kind="reversal", reverses__isnull=False)
                | (~Q(kind="reversal") & Q(reverses__isnull=True)),
                name="credits_transaction_reversal_reverses",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=TransactionKind.values),
                name="credits_transaction_kind_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} n° {self.pk}"


class Entry(models.Model):
    """One side of a transaction: a credit (positive) or a debit (negative) to an account."""

    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    amount = models.DecimalField("montant", **AMOUNT)

    class Meta:
        verbose_name = "écriture"
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="credits_entry_amount_not_zero"),
            models.UniqueConstraint(
                fields=["transaction", "account"], name="credits_entry_one_per_account"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.amount:+}"


class ClaimState(models.TextChoices):
    PENDING = "pending", "En attente de validation"
    VALIDATED = "validated", "Validée"
    REFUSED = "refused", "Refusée"


MAX_CLAIM_HOURS = Decimal("24.00")


class VolunteeringClaim(models.Model):
    """Hours of volunteering a participant declares; a référent validates them (then they
    are paid once, by `transaction`) or refuses them with a reason. Kept after the
    decision: the claimant sees its state, the référents what they decided."""

    exchange = models.ForeignKey(Exchange, on_delete=models.PROTECT, related_name="claims")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="claims")
    claimant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="volunteering_claims",
        verbose_name="déclarant·e",
    )
    day = models.DateField("jour")
    hours = models.DecimalField("heures", max_digits=4, decimal_places=2)
    description = models.TextField("ce qui a été fait", max_length=2000)
    state = models.CharField(
        "état", max_length=20, choices=ClaimState.choices, default=ClaimState.PENDING
    )
    created_at = models.DateTimeField("déclarée le", auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="décidée par",
    )
    decided_at = models.DateTimeField("décidée le", null=True, blank=True)
    refusal_reason = models.TextField("motif du refus", blank=True, max_length=1000)
    transaction = models.OneToOneField(
        Transaction,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claim",
        verbose_name="transaction",
    )

    class Meta:
        verbose_name = "déclaration de bénévolat"
        verbose_name_plural = "déclarations de bénévolat"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=MAX_CLAIM_HOURS),
                name="credits_claim_hours_range",
            ),
            models.CheckConstraint(
                condition=Q(state__in=ClaimState.values), name="credits_claim_state_known"
            ),
            # A validated claim is paid by exactly one transaction; a refused one says why.
            models.CheckConstraint(
                condition=(Q(state="validated") & Q(transaction__isnull=False))
                | (~Q(state="validated") & Q(transaction__isnull=True)),
                name="credits_claim_validated_paid",
            ),
            models.CheckConstraint(
                condition=~Q(state="refused") | ~Q(refusal_reason=""),
                name="credits_claim_refused_reason",
            ),
        ]
        indexes = [models.Index(fields=["exchange", "state"], name="credits_claim_state_idx")]

    def __str__(self) -> str:
        return f"{self.account} : {self.hours} h le {self.day:%d/%m/%Y}"
