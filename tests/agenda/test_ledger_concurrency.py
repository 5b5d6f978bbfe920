"""Simultaneous requests on one balance lose nothing and pay nothing twice.

Each thread has its own connection and commits, as concurrent requests do; a barrier
starts them together. The exchanges they use are created committed, with unique slugs,
and stay in the test database (the ledger is append-only): every check is scoped to its
own exchange."""

import uuid
from decimal import Decimal

import pytest

from carto.agenda.credits import services
from carto.agenda.credits.models import Account, AccountKind, Entry, Exchange, Transaction
from carto.agenda.credits.services import InsufficientCredits
from tests.helpers import in_own_connection, together

pytestmark = pytest.mark.django_db

THREADS = 8


def open_exchange(credits_each: int, holders: int = 1) -> tuple[Exchange, list[Account]]:
    """A committed exchange at 1 KAT an hour, with holders who earned `credits_each`."""
    slug = f"race-{uuid.uuid4().hex[:12]}"
    exchange = Exchange.objects.create(name=slug, slug=slug)
    accounts = []
    for number in range(holders):
        account = Account.objects.create(
            exchange=exchange, kind=AccountKind.PARTICIPANT, pseudonym=f"{slug}-{number}"
        )
        services.earn_for_teaching(account, credits_each, key=f"seed-{number}")
        accounts.append(account)
    return exchange, accounts


def settled(exchange: Exchange, account: Account):
    """The account's balance, the sum of its entries, and the exchange's problems."""
    stored = Account.objects.get(pk=account.pk).balance
    entries = sum(Entry.objects.filter(account=account).values_list("amount", flat=True))
    return stored, entries, services.check_invariants(exchange)


def test_simultaneous_spends_never_go_below_the_floor():
    exchange, [account] = in_own_connection(open_exchange, 3)
    outcomes = together(
        lambda n: services.spend_for_attendance(account, 1, key=f"spend-{n}"),
        range(THREADS),
        refused=services.LedgerError,
    )
    kinds = sorted(kind for kind, _ in outcomes)
    assert kinds == ["ok"] * 3 + ["refused"] * (THREADS - 3), outcomes
    assert all(isinstance(r, InsufficientCredits) for kind, r in outcomes if kind == "refused")
    assert in_own_connection(settled, exchange, account) == (Decimal("0.00"), Decimal("0.00"), [])
    spent = Transaction.objects.filter(exchange=exchange, kind="attendance").count()
    assert spent == 3


def test_simultaneous_retries_of_one_request_pay_once():
    exchange, [account] = in_own_connection(open_exchange, 5)
    outcomes = together(
        lambda _: services.spend_for_attendance(account, 2, key="occurrence:42:attendee"),
        range(THREADS),
        refused=services.LedgerError,
    )
    assert [kind for kind, _ in outcomes] == ["ok"] * THREADS, outcomes
    assert len({posted.pk for _, posted in outcomes}) == 1
    assert in_own_connection(settled, exchange, account) == (Decimal("3.00"), Decimal("3.00"), [])


def test_crossed_transfers_do_not_deadlock():
    """Half the threads move a credit from A to B, half from B to A: the accounts are
    locked in id order, so no two posts wait for each other in a cycle."""
    exchange, [first, second] = in_own_connection(open_exchange, 10, 2)

    def transfer(n):
        giver, taker = (first, second) if n % 2 else (second, first)
        return services.post(
            exchange,
            key=f"transfer-{n}",
            kind="adjustment",
            entries=[(giver, Decimal(-1)), (taker, Decimal(1))],
        )

    outcomes = together(transfer, range(THREADS), refused=services.LedgerError)
    assert [kind for kind, _ in outcomes] == ["ok"] * THREADS, outcomes
    for account in (first, second):
        assert in_own_connection(settled, exchange, account) == (
            Decimal("10.00"),
            Decimal("10.00"),
            [],
        )
