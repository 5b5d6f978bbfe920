"""Random sequences of earnings, spends, reversals and retries keep the ledger's invariants.

A hypothesis state machine drives the services on a fresh exchange per example (random
rates and floor, three holders) and keeps an in-memory model of what each balance should
be; after every step the ledger's own check finds nothing and every balance is the
model's."""

import uuid
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from carto.agenda.credits import services
from carto.agenda.credits.models import Account, AccountKind, Exchange, Transaction
from carto.agenda.credits.services import (
    IdempotencyConflict,
    InsufficientCredits,
    NotAReferent,
    NotReversible,
    quantize,
)

pytestmark = pytest.mark.django_db

HOLDERS = 3
HOURS = st.sampled_from([Decimal("0.5"), Decimal(1), Decimal("1.5"), Decimal(2), Decimal(3)])
RATES = st.sampled_from([Decimal("0.5"), Decimal(1), Decimal("1.25"), Decimal(2)])
WHO = st.integers(0, HOLDERS - 1)


@dataclass
class Posted:
    """A call that succeeded: how to make it again, and what it moved."""

    call: tuple  # (function, args, kwargs)
    pk: int
    kind: str
    moves: dict  # holder index -> amount
    reversed: bool = False


class Ledger(RuleBasedStateMachine):
    @initialize(teaching=RATES, volunteering=RATES, attendance=RATES, floor=st.sampled_from([0, -2]))  # fmt: skip
    def open(self, teaching, volunteering, attendance, floor):
        slug = f"prop-{uuid.uuid4().hex[:12]}"
        self.exchange = Exchange.objects.create(
            name=slug,
            slug=slug,
            teaching_rate=teaching,
            volunteering_rate=volunteering,
            attendance_rate=attendance,
            floor=Decimal(floor),
        )
        self.referent = User.objects.create_user(f"{slug}-ref")
        self.exchange.referents.add(self.referent)
        self.stranger = User.objects.create_user(f"{slug}-x")
        self.accounts = [
            Account.objects.create(
                exchange=self.exchange, kind=AccountKind.PARTICIPANT, pseudonym=f"{slug}-{n}"
            )
            for n in range(HOLDERS)
        ]
        self.expected = [Decimal("0.00")] * HOLDERS
        self.posted: list[Posted] = []
        self.keys = 0

    def key(self) -> str:
        self.keys += 1
        return f"k{self.keys}"

    def attempt(self, kind, moves, function, *args, **kwargs):
        """Make the call; it must succeed exactly when the model says the floor allows."""
        floor = self.exchange.floor
        allowed = all(self.expected[i] + amount >= floor or amount >= 0 for i, amount in moves.items())  # fmt: skip
        try:
            done = function(*args, **kwargs)
        except InsufficientCredits:
            assert not allowed, (kind, moves, self.expected)
            return None
        assert allowed, (kind, moves, self.expected)
        for i, amount in moves.items():
            self.expected[i] += amount
        entry = Posted((function, args, kwargs), done.pk, kind, moves)
        self.posted.append(entry)
        return entry

    @rule(who=WHO, hours=HOURS)
    def teach(self, who, hours):
        amount = quantize(hours * self.exchange.teaching_rate)
        self.attempt(
            "teaching",
            {who: amount},
            services.earn_for_teaching,
            self.accounts[who],
            hours,
            key=self.key(),
        )

    @rule(who=WHO, hours=HOURS, by_referent=st.booleans())
    def volunteer(self, who, hours, by_referent):
        amount = quantize(hours * self.exchange.volunteering_rate)
        function, account = services.earn_for_volunteering, self.accounts[who]
        if not by_referent:
            with pytest.raises(NotAReferent):
                function(account, hours, key=self.key(), validated_by=self.stranger)
            return
        self.attempt(
            "volunteering", {who: amount}, function, account, hours,
            key=self.key(), validated_by=self.referent,
        )  # fmt: skip

    @rule(who=WHO, hours=HOURS)
    def attend(self, who, hours):
        amount = quantize(hours * self.exchange.attendance_rate)
        self.attempt(
            "attendance",
            {who: -amount},
            services.spend_for_attendance,
            self.accounts[who],
            hours,
            key=self.key(),
        )

    @precondition(lambda self: self.posted)
    @rule(data=st.data())
    def reverse(self, data):
        original = data.draw(st.sampled_from(self.posted))
        target = Transaction.objects.get(pk=original.pk)
        key = self.key()
        if original.kind == "reversal" or original.reversed:
            with pytest.raises(NotReversible):
                services.reverse(target, key=key, reason="essai")
            return
        opposite = {i: -amount for i, amount in original.moves.items()}
        if self.attempt("reversal", opposite, services.reverse, target, key=key, reason="essai"):
            original.reversed = True

    @precondition(lambda self: self.posted)
    @rule(data=st.data())
    def retry(self, data):
        """The same request again: the same transaction, nothing paid."""
        original = data.draw(st.sampled_from(self.posted))
        function, args, kwargs = original.call
        assert function(*args, **kwargs).pk == original.pk

    @precondition(lambda self: self.posted)
    @rule(data=st.data(), who=WHO)
    def reuse_key(self, data, who):
        """Another request under a used key: refused, nothing paid."""
        original = data.draw(st.sampled_from(self.posted))
        key = original.call[2]["key"]
        with pytest.raises(IdempotencyConflict, match=key):
            services.earn_for_teaching(self.accounts[who], Decimal(7), key=key)

    @invariant()
    def sound(self):
        if not hasattr(self, "exchange"):
            return
        assert services.check_invariants(self.exchange) == []
        balances = [Account.objects.get(pk=a.pk).balance for a in self.accounts]
        assert balances == self.expected
        issued = -self.exchange.issuer.balance
        assert issued == sum(self.expected)


def test_random_sequences_keep_the_ledger_sound():
    run_state_machine_as_test(
        Ledger,
        settings=settings(
            max_examples=40,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
            database=None,
        ),
    )
