"""The use cases of the credit exchange: post, earn, spend, reverse, statement, erase, check.

Design choices:
- `post` is the only writer of the ledger and of the cached balances. It is atomic and
  idempotent on its key: a retried request (same key, same content) gets the transaction
  already written and pays nothing more; the same key with other content is refused
  (`IdempotencyConflict`). Two concurrent posts with one key: the unique constraint lets
  one insert, the other catches the violation in a savepoint and returns the winner.
- The accounts a transaction touches are locked (SELECT … FOR UPDATE) in id order, so two
  posts never wait for each other in a cycle, and the floor is checked on the locked
  balance: two spends that race on one balance are served one after the other. The issuer
  takes part in every earning and spending, so the posts of one exchange are serialised:
  a coalition's exchange moves a few hundred transactions a month, correctness first.
- Spent credits go back to the issuer: they are destroyed, as they were created there.
  Paying the organiser instead would tie what a teacher earns to who came (an empty room
  would pay nothing) and let credits circulate without limit; with the issuer, teaching
  earns by its length and attending costs by its length, independently, and the credits
  in circulation are exactly those issued minus those spent.
- A reversal posts the opposite entries; it is refused when it would take an account
  below the floor (the credits of an earning already spent), unless a staff member forces
  it: then the account is left in debt, on purpose, and `check_invariants` keeps showing it
  until it is settled. A transaction is reversed at most once and a reversal is never
  reversed (post the movement again instead).
- Erasure (`erase_holder`) unlinks the person and replaces the pseudonym; the entries and
  every total stay. Memos are kept: they are written by référents to say what happened
  (« atelier couture, 2 h »), and they are shown only to the holder, the référents and
  staff, never in public; a référent who wrote a name in one is asked not to.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from carto import csv_export

from .models import (
    AMOUNT,
    ERASED_PSEUDONYM,
    Account,
    Entry,
    Exchange,
    Transaction,
    TransactionKind,
)

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_AMOUNT = Decimal(10) ** (AMOUNT["max_digits"] - AMOUNT["decimal_places"]) - CENT


class LedgerError(Exception):
    """A movement the exchange refuses; the message is for people (French)."""


class IdempotencyConflict(LedgerError):
    def __init__(self, key: str, existing: Transaction):
        self.key, self.existing = key, existing
        super().__init__(
            f"La clé d’idempotence « {key} » a déjà servi pour une autre opération "
            f"(transaction n° {existing.pk}) : rien n’a été enregistré."
        )


class InsufficientCredits(LedgerError):
    def __init__(self, account: Account, amount: Decimal, floor: Decimal, currency: str):
        self.account, self.amount, self.floor = account, amount, floor
        super().__init__(
            f"Crédits insuffisants sur le compte « {account.pseudonym} » : solde "
            f"{fmt(account.balance)} {currency}, opération de {fmt(amount)} {currency}, "
            f"solde minimal {fmt(floor)} {currency}."
        )


class NotAReferent(LedgerError):
    pass


class NotReversible(LedgerError):
    pass


def fmt(amount: Decimal) -> str:
    """An amount as French readers write it: 12,50."""
    return f"{amount:.2f}".replace(".", ",")


def quantize(amount) -> Decimal:
    """An amount to the hundredth, half up (what the ledger stores)."""
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def _fingerprint(kind, entries, reference, validated_by_id, reverses_id) -> tuple:
    """What makes two posts « the same operation ». The memo and the author are left out:
    a retry may be made by another référent or with reworded text, and still pays once."""
    return (
        kind,
        tuple(sorted((account_id, quantize(amount)) for account_id, amount in entries)),
        reference,
        validated_by_id,
        reverses_id,
    )


def _existing(exchange: Exchange, key: str, wanted: tuple) -> Transaction | None:
    """The transaction already posted with `key`, if its content is `wanted`; a conflict if
    not; None when the key is new."""
    found = Transaction.objects.filter(exchange=exchange, idempotency_key=key).first()
    if found is None:
        return None
    stored = _fingerprint(
        found.kind,
        found.entries.values_list("account_id", "amount"),
        found.reference,
        found.validated_by_id,
        found.reverses_id,
    )
    if stored != wanted:
        raise IdempotencyConflict(key, found)
    return found


def post(
    exchange: Exchange,
    *,
    key: str,
    kind: str,
    entries: Sequence[tuple[Account, Decimal]],
    memo: str = "",
    reference: str = "",
    by=None,
    validated_by=None,
    reverses: Transaction | None = None,
    force: bool = False,
) -> Transaction:
    """Write one balanced transaction, or return the one already written under `key`.

    entries: (account, amount) pairs, positive amounts credit; they must sum to zero, on
    distinct accounts of `exchange`. validated_by: required for volunteering, a référent of
    the exchange. force: let a debit take an account below the floor (reversals by staff).
    Raises IdempotencyConflict, InsufficientCredits, NotAReferent, ValueError (a malformed
    call: a programming error, not a refusal)."""
    key = (key or "").strip()
    if not key:
        raise ValueError("an idempotency key is required")
    if kind not in TransactionKind.values:
        raise ValueError(f"unknown transaction kind {kind!r}")
    pairs = [(account, quantize(amount)) for account, amount in entries]
    if len(pairs) < 2 or sum(amount for _, amount in pairs) != 0:
        raise ValueError("a transaction needs at least two entries that sum to zero")
    if any(amount == 0 or abs(amount) > MAX_AMOUNT for _, amount in pairs):
        raise ValueError("every entry needs a non-zero amount within the ledger's range")
    if len({account.pk for account, _ in pairs}) != len(pairs):
        raise ValueError("one entry per account")
    if any(account.exchange_id != exchange.pk for account, _ in pairs):
        raise ValueError("every account must belong to the exchange")
    if kind == TransactionKind.VOLUNTEERING and not exchange.is_referent(validated_by):
        raise NotAReferent(
            "Les heures de bénévolat doivent être validées par un·e référent·e KAT de "
            f"l’échange « {exchange.name} »."
        )
    wanted = _fingerprint(
        kind,
        [(account.pk, amount) for account, amount in pairs],
        reference,
        validated_by.pk if validated_by else None,
        reverses.pk if reverses else None,
    )
    with transaction.atomic():
        if found := _existing(exchange, key, wanted):
            return found
        amounts = {account.pk: amount for account, amount in pairs}
        locked = list(
            Account.objects.select_for_update().filter(pk__in=amounts).order_by("pk")
        )  # in id order: no two posts wait for each other in a cycle
        # A post with this key may have committed while we waited for the locks.
        if found := _existing(exchange, key, wanted):
            return found
        floor = exchange.floor
        for account in locked:
            amount = amounts[account.pk]
            if (
                amount < 0
                and not account.is_issuer
                and not force
                and account.balance + amount < floor
            ):
                raise InsufficientCredits(account, -amount, floor, exchange.currency)
        try:
            with transaction.atomic():  # a savepoint: a concurrent twin may hold the key
                posted = Transaction.objects.create(
                    exchange=exchange,
                    kind=kind,
                    idempotency_key=key,
                    memo=memo[:300],
                    reference=reference,
                    created_by=by if by and by.pk else None,
                    validated_by=validated_by,
                    reverses=reverses,
                )
        except IntegrityError:
            if found := _existing(exchange, key, wanted):
                return found
            raise
        Entry.objects.bulk_create(
            Entry(transaction=posted, account_id=pk, amount=amount)
            for pk, amount in amounts.items()
        )
        for account in locked:
            Account.objects.filter(pk=account.pk).update(balance=F("balance") + amounts[account.pk])
    return posted


def _usable(account: Account) -> None:
    if account.erased_at is not None:
        raise LedgerError(f"Le compte n° {account.pk} a été effacé : il ne reçoit plus rien.")
    if account.is_issuer:
        raise ValueError("the issuer account neither earns nor spends")


def _hours(hours) -> Decimal:
    hours = Decimal(str(hours))
    if hours <= 0:
        raise ValueError("a positive number of hours is required")
    return hours


def earn_for_teaching(account: Account, hours, *, key: str, reference: str = "", by=None):
    """Credit `account` hours × teaching rate, issued for a session it gave."""
    _usable(account)
    exchange = account.exchange
    amount = quantize(_hours(hours) * exchange.teaching_rate)
    return post(
        exchange,
        key=key,
        kind=TransactionKind.TEACHING,
        entries=[(exchange.issuer, -amount), (account, amount)],
        memo=f"Séance animée ({fmt(_hours(hours))} h)",
        reference=reference,
        by=by,
    )


def earn_for_volunteering(
    account: Account, hours, *, key: str, validated_by, reference: str = "", memo: str = ""
):
    """Credit `account` hours × volunteering rate; `validated_by` must be a référent."""
    _usable(account)
    exchange = account.exchange
    amount = quantize(_hours(hours) * exchange.volunteering_rate)
    return post(
        exchange,
        key=key,
        kind=TransactionKind.VOLUNTEERING,
        entries=[(exchange.issuer, -amount), (account, amount)],
        memo=memo or f"Bénévolat ({fmt(_hours(hours))} h)",
        reference=reference,
        by=validated_by,
        validated_by=validated_by,
    )


def spend_for_attendance(account: Account, hours, *, key: str, reference: str = "", by=None):
    """Debit `account` hours × attendance rate for a session it attends (destroyed at the
    issuer). Raises InsufficientCredits below the floor."""
    _usable(account)
    exchange = account.exchange
    amount = quantize(_hours(hours) * exchange.attendance_rate)
    return post(
        exchange,
        key=key,
        kind=TransactionKind.ATTENDANCE,
        entries=[(account, -amount), (exchange.issuer, amount)],
        memo=f"Séance suivie ({fmt(_hours(hours))} h)",
        reference=reference,
        by=by,
    )


def reverse(
    original: Transaction, *, key: str, reason: str, by=None, force: bool = False
) -> Transaction:
    """Post the opposite of `original`. Refused for a reversal, for a transaction already
    reversed (by another key), and below the floor unless `force` by a staff member."""
    if original.kind == TransactionKind.REVERSAL:
        raise NotReversible(
            f"La transaction n° {original.pk} est une contre-passation : elle ne se "
            "contre-passe pas ; enregistrez de nouveau l’opération."
        )
    if force and not (by and by.is_staff):
        raise NotReversible("Seul un membre de l’équipe peut forcer une contre-passation.")
    reason = reason.strip()
    if not reason:
        raise ValueError("a reversal needs a reason")
    exchange = original.exchange
    entries = [(entry.account, -entry.amount) for entry in original.entries.all()]
    already = Transaction.objects.filter(reverses=original).exclude(idempotency_key=key).first()
    if already:
        raise NotReversible(
            f"La transaction n° {original.pk} a déjà été contre-passée "
            f"(transaction n° {already.pk})."
        )
    try:
        return post(
            exchange,
            key=key,
            kind=TransactionKind.REVERSAL,
            entries=entries,
            memo=f"Contre-passation de la transaction n° {original.pk} : {reason}",
            reference=original.reference,
            by=by,
            reverses=original,
            force=force,
        )
    except IntegrityError as error:  # reversed concurrently under another key
        if "reverses" in str(error):
            raise NotReversible(
                f"La transaction n° {original.pk} a déjà été contre-passée."
            ) from error
        raise


@dataclass
class StatementRow:
    when: datetime
    transaction_id: int
    kind: str
    kind_label: str
    memo: str
    reference: str
    amount: Decimal
    balance: Decimal


@dataclass
class Statement:
    account: Account
    start: date | None
    end: date | None
    opening: Decimal
    closing: Decimal = ZERO
    rows: list[StatementRow] = field(default_factory=list)


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def statement(account: Account, start: date | None = None, end: date | None = None) -> Statement:
    """The account's movements from `start` to `end` (days, both included), each with the
    running balance, between the opening and closing balances."""
    entries = Entry.objects.filter(account=account).select_related("transaction")
    opening = ZERO
    if start:
        before = entries.filter(transaction__created_at__lt=_day_start(start))
        opening = quantize(before.aggregate(total=Coalesce(Sum("amount"), ZERO))["total"])
        entries = entries.filter(transaction__created_at__gte=_day_start(start))
    if end:
        entries = entries.filter(transaction__created_at__lt=_day_start(end + timedelta(days=1)))
    result, balance = Statement(account, start, end, opening), opening
    labels = dict(TransactionKind.choices)
    for entry in entries.order_by("transaction__created_at", "transaction_id"):
        balance += entry.amount
        posted = entry.transaction
        result.rows.append(
            StatementRow(
                when=posted.created_at,
                transaction_id=posted.pk,
                kind=posted.kind,
                kind_label=labels.get(posted.kind, posted.kind),
                memo=posted.memo,
                reference=posted.reference,
                amount=entry.amount,
                balance=balance,
            )
        )
    result.closing = balance
    return result


STATEMENT_COLUMNS = ["Date", "Transaction", "Opération", "Libellé", "Référence", "Montant", "Solde"]


def statement_lines(found: Statement) -> Iterator[list]:
    """The statement as CSV rows: the opening balance, the movements, the closing balance."""
    yield [found.start.isoformat() if found.start else "", None, "Solde initial", "", "", None, found.opening]  # fmt: skip
    for row in found.rows:
        when = timezone.localtime(row.when).strftime("%Y-%m-%d %H:%M")
        yield [when, row.transaction_id, row.kind_label, row.memo, row.reference, row.amount, row.balance]  # fmt: skip
    yield [found.end.isoformat() if found.end else "", None, "Solde final", "", "", None, found.closing]  # fmt: skip


def statement_csv(account: Account, start: date | None = None, end: date | None = None) -> str:
    """The statement as CSV text (carto's CSV: commas, formulas neutralised)."""
    return csv_export.to_text(STATEMENT_COLUMNS, statement_lines(statement(account, start, end)))


def erase_holder(account: Account) -> Account:
    """Erase the person behind `account` on request: pseudonym « Compte effacé », user and
    actor unlinked, erased_at set. Entries and balance are kept: every total stays true."""
    if account.is_issuer:
        raise ValueError("the issuer account has no holder")
    with transaction.atomic():
        Account.objects.filter(pk=account.pk).update(
            pseudonym=ERASED_PSEUDONYM, holder=None, actor=None, erased_at=timezone.now()
        )
    account.refresh_from_db()
    return account


def erase_user(user) -> int:
    """Erase every account `user` holds (before the user is deleted). Accounts erased."""
    accounts = list(Account.objects.filter(holder=user))
    for account in accounts:
        erase_holder(account)
    return len(accounts)


def check_invariants(exchange: Exchange) -> list[str]:
    """What is wrong with the exchange's ledger (empty: nothing). Checked: every transaction
    has two entries or more summing to zero; every cached balance is the sum of its entries;
    no holder's balance is below the floor; the balances sum to zero; the credits issued
    (minus the issuer's balance) are those in circulation."""
    problems = []
    unbalanced = (
        Transaction.objects.filter(exchange=exchange)
        .annotate(n=Count("entries"), total=Coalesce(Sum("entries__amount"), ZERO))
        .filter(Q(n__lt=2) | ~Q(total=0))
    )
    for posted in unbalanced:
        problems.append(f"transaction {posted.pk}: {posted.n} entries summing to {posted.total}")
    accounts = Account.objects.filter(exchange=exchange).annotate(
        total=Coalesce(Sum("entries__amount"), ZERO)
    )
    issued = in_circulation = ZERO
    issuers = 0
    for account in accounts:
        if account.balance != account.total:
            problems.append(
                f"account {account.pk}: cached balance {account.balance} but entries sum to "
                f"{account.total}"
            )
        if account.is_issuer:
            issuers += 1
            issued -= account.balance
        else:
            in_circulation += account.balance
            if account.balance < exchange.floor:
                problems.append(
                    f"account {account.pk}: balance {account.balance} below the floor "
                    f"{exchange.floor}"
                )
    if issuers != 1:
        problems.append(f"{issuers} issuer accounts instead of one")
    if issued != in_circulation:
        problems.append(f"issued {issued} but {in_circulation} in circulation")
    total = Account.objects.filter(exchange=exchange).aggregate(
        total=Coalesce(Sum("balance"), ZERO)
    )["total"]
    if total != 0:
        problems.append(f"the balances sum to {total}, not zero")
    return problems
