"""The knowledge-credit ledger: each service and each refusal, the database's own guards
(append-only rows, balanced transactions at commit), erasure, the statement and its CSV,
and who may read it. Every test works on an exchange of its own: no test counts rows of
the whole ledger (the concurrency tests commit theirs)."""

import csv
import io
import threading
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from carto.agenda.credits import services
from carto.agenda.credits.models import (
    Account,
    AccountKind,
    Entry,
    Exchange,
    ExchangeTheme,
    Transaction,
)
from carto.agenda.credits.services import (
    IdempotencyConflict,
    InsufficientCredits,
    LedgerError,
    NotAReferent,
    NotReversible,
)
from tests.helpers import body

pytestmark = pytest.mark.django_db

D = Decimal


def new_exchange(**rules) -> Exchange:
    slug = f"kat-{uuid.uuid4().hex[:10]}"
    return Exchange.objects.create(name=f"Échange {slug}", slug=slug, **rules)


def participant(exchange, name, user=None) -> Account:
    return Account.objects.create(
        exchange=exchange, kind=AccountKind.PARTICIPANT, pseudonym=name, holder=user
    )


def balance(account) -> Decimal:
    return Account.objects.get(pk=account.pk).balance


@pytest.fixture
def referent():
    return User.objects.create_user(f"ref-{uuid.uuid4().hex[:8]}")


@pytest.fixture
def exchange(referent):
    exchange = new_exchange(
        teaching_rate=D("2.00"), volunteering_rate=D("1.00"), attendance_rate=D("1.50")
    )
    exchange.referents.add(referent)
    return exchange


@pytest.fixture
def alice(exchange):
    user = User.objects.create_user(f"alice-{uuid.uuid4().hex[:8]}")
    return participant(exchange, "Colibri 12", user)


@pytest.fixture
def bob(exchange):
    return participant(exchange, "Héron 7")


def test_an_exchange_opens_with_one_issuer_and_never_two(exchange):
    issuer = exchange.issuer
    assert issuer.kind == AccountKind.ISSUER and issuer.balance == 0
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.create(exchange=exchange, kind=AccountKind.ISSUER, pseudonym="bis")
    assert services.check_invariants(exchange) == []


def test_teaching_earns_its_length_at_the_teaching_rate(exchange, alice):
    posted = services.earn_for_teaching(alice, D("1.5"), key="t1", reference="occurrence:1")
    assert posted.kind == "teaching" and posted.reference == "occurrence:1"
    assert sorted(posted.entries.values_list("amount", flat=True)) == [D("-3.00"), D("3.00")]
    assert balance(alice) == D("3.00")
    assert balance(exchange.issuer) == D("-3.00")  # minus what was issued
    assert services.check_invariants(exchange) == []


def test_a_retry_with_the_same_key_pays_once(exchange, alice):
    first = services.earn_for_teaching(alice, 2, key="occurrence:9:teacher")
    again = services.earn_for_teaching(alice, 2, key="occurrence:9:teacher")
    assert again.pk == first.pk
    assert balance(alice) == D("4.00")
    assert Transaction.objects.filter(exchange=exchange).count() == 1


def test_the_same_key_with_other_content_is_refused(exchange, alice, bob):
    services.earn_for_teaching(alice, 2, key="k")
    with pytest.raises(IdempotencyConflict, match="« k » a déjà servi"):
        services.earn_for_teaching(alice, 3, key="k")
    with pytest.raises(IdempotencyConflict):
        services.earn_for_teaching(bob, 2, key="k")
    with pytest.raises(IdempotencyConflict):
        services.spend_for_attendance(alice, 1, key="k")
    assert (balance(alice), balance(bob)) == (D("4.00"), D("0.00"))


def test_one_key_may_serve_two_exchanges(exchange, alice):
    other = new_exchange()
    carol = participant(other, "Carol")
    services.earn_for_teaching(alice, 1, key="same")
    services.earn_for_teaching(carol, 1, key="same")
    assert (balance(alice), balance(carol)) == (D("2.00"), D("1.00"))


def test_volunteering_needs_a_referent_of_the_exchange(exchange, alice, referent):
    stranger = User.objects.create_user(f"x-{uuid.uuid4().hex[:8]}")
    with pytest.raises(NotAReferent, match="validées par un·e référent·e KAT"):
        services.earn_for_volunteering(alice, 3, key="v", validated_by=stranger)
    with pytest.raises(NotAReferent):
        services.earn_for_volunteering(alice, 3, key="v", validated_by=None)
    assert balance(alice) == 0
    posted = services.earn_for_volunteering(alice, 3, key="v", validated_by=referent)
    assert posted.validated_by == referent and posted.kind == "volunteering"
    assert balance(alice) == D("3.00")


def test_a_referent_of_another_exchange_does_not_validate(exchange, alice):
    elsewhere = User.objects.create_user(f"y-{uuid.uuid4().hex[:8]}")
    new_exchange().referents.add(elsewhere)
    with pytest.raises(NotAReferent):
        services.earn_for_volunteering(alice, 1, key="v", validated_by=elsewhere)


def test_attending_spends_at_the_attendance_rate_and_destroys_the_credits(exchange, alice):
    services.earn_for_teaching(alice, 2, key="t")  # 4.00 issued
    services.spend_for_attendance(alice, 2, key="a", reference="occurrence:3")  # 3.00 spent
    assert balance(alice) == D("1.00")
    assert balance(exchange.issuer) == D("-1.00")  # issued 4, destroyed 3
    assert services.check_invariants(exchange) == []


def test_a_spend_below_the_floor_is_refused_with_the_figures(exchange, alice):
    services.earn_for_teaching(alice, 1, key="t")  # 2.00
    with pytest.raises(InsufficientCredits) as refused:
        services.spend_for_attendance(alice, 2, key="a")  # 3.00
    assert str(refused.value) == (
        "Crédits insuffisants sur le compte « Colibri 12 » : solde 2,00 KAT, opération de "
        "3,00 KAT, solde minimal 0,00 KAT."
    )
    assert balance(alice) == D("2.00")
    assert not Transaction.objects.filter(exchange=exchange, idempotency_key="a").exists()
    # The key was not spent: the same request succeeds once there are enough credits.
    services.earn_for_teaching(alice, 1, key="t2")
    services.spend_for_attendance(alice, 2, key="a")
    assert balance(alice) == D("1.00")


def test_a_negative_floor_allows_a_small_overdraft(exchange, alice):
    exchange.floor = D("-3.00")
    exchange.save()
    services.spend_for_attendance(alice, 2, key="a1")  # -3.00: at the floor
    assert balance(alice) == D("-3.00")
    with pytest.raises(InsufficientCredits, match="solde minimal -3,00 KAT"):
        services.spend_for_attendance(alice, D("0.5"), key="a2")
    assert services.check_invariants(exchange) == []


def test_post_refuses_malformed_transactions(exchange, alice, bob):
    issuer = exchange.issuer
    with pytest.raises(ValueError, match="sum to zero"):
        services.post(exchange, key="x", kind="adjustment", entries=[(alice, 1), (issuer, -2)])
    with pytest.raises(ValueError, match="sum to zero"):
        services.post(exchange, key="x", kind="adjustment", entries=[(alice, 0)])
    with pytest.raises(ValueError, match="non-zero"):
        services.post(exchange, key="x", kind="adjustment", entries=[(alice, 0), (bob, 0)])
    with pytest.raises(ValueError, match="belong to the exchange"):
        foreign = participant(new_exchange(), "ailleurs")
        services.post(exchange, key="x", kind="adjustment", entries=[(alice, 1), (foreign, -1)])
    with pytest.raises(ValueError, match="idempotency key"):
        services.post(exchange, key=" ", kind="adjustment", entries=[(alice, 1), (issuer, -1)])
    assert not Transaction.objects.filter(exchange=exchange).exists()


def test_an_adjustment_between_holders_respects_the_floor(exchange, alice, bob):
    services.earn_for_teaching(alice, 1, key="t")
    services.post(
        exchange, key="gift", kind="adjustment", entries=[(alice, -2), (bob, 2)], memo="don"
    )
    assert (balance(alice), balance(bob)) == (D("0.00"), D("2.00"))
    with pytest.raises(InsufficientCredits):
        services.post(exchange, key="gift2", kind="adjustment", entries=[(alice, -1), (bob, 1)])


def test_a_reversal_posts_the_opposite_entries_once(exchange, alice, bob):
    spent_for = services.earn_for_teaching(bob, 3, key="t-bob")
    spent = services.spend_for_attendance(bob, 2, key="a-bob")
    undone = services.reverse(spent, key="r1", reason="séance annulée")
    assert undone.kind == "reversal" and undone.reverses == spent
    assert "séance annulée" in undone.memo and undone.reference == spent.reference
    assert {(e.account_id, e.amount) for e in undone.entries.all()} == {
        (e.account_id, -e.amount) for e in spent.entries.all()
    }
    assert balance(bob) == D("6.00")
    assert services.reverse(spent, key="r1", reason="séance annulée").pk == undone.pk  # retry
    with pytest.raises(NotReversible, match="déjà été contre-passée"):
        services.reverse(spent, key="r2", reason="encore")
    with pytest.raises(NotReversible, match="ne se contre-passe pas"):
        services.reverse(undone, key="r3", reason="annuler l’annulation")
    assert balance(bob) == D("6.00")
    assert Transaction.objects.get(pk=spent.pk).reversed_by == undone
    assert not Transaction.objects.filter(reverses=spent_for).exists()
    assert services.check_invariants(exchange) == []


def test_reversing_an_earning_already_spent_is_refused_unless_staff_forces(exchange, alice):
    earned = services.earn_for_teaching(alice, 2, key="t")  # 4.00
    services.spend_for_attendance(alice, 2, key="a")  # 1.00 left
    with pytest.raises(InsufficientCredits, match="solde 1,00 KAT, opération de 4,00 KAT"):
        services.reverse(earned, key="r", reason="séance non tenue")
    referent = exchange.referents.get()
    with pytest.raises(NotReversible, match="membre de l’équipe"):
        services.reverse(earned, key="r", reason="séance non tenue", by=referent, force=True)
    staff = User.objects.create_user(f"s-{uuid.uuid4().hex[:8]}", is_staff=True)
    services.reverse(earned, key="r", reason="séance non tenue", by=staff, force=True)
    assert balance(alice) == D("-3.00")
    # The debt is on purpose, and the check keeps showing it until it is settled.
    [problem] = services.check_invariants(exchange)
    assert f"account {alice.pk}: balance -3.00 below the floor" in problem


def test_the_database_refuses_to_change_or_delete_ledger_rows(exchange, alice):
    posted = services.earn_for_teaching(alice, 1, key="t")
    entry = posted.entries.first()
    for attempt in (
        lambda: Entry.objects.filter(pk=entry.pk).update(amount=D("100")),
        lambda: Entry.objects.filter(pk=entry.pk).delete(),
        lambda: Transaction.objects.filter(pk=posted.pk).update(memo="autre"),
        lambda: Transaction.objects.filter(pk=posted.pk).update(validated_by=alice.holder),
        # Raw: Django's own PROTECT would refuse first, the database must refuse too.
        lambda: connection.cursor().execute(
            "DELETE FROM credits_transaction WHERE id = %s", [posted.pk]
        ),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            attempt()
    assert Entry.objects.get(pk=entry.pk).amount == entry.amount


def _insert_unbalanced(exchange, account, *, immediate: bool):
    with connection.cursor() as cursor:
        if immediate:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        posted = Transaction.objects.create(
            exchange=exchange, kind="adjustment", idempotency_key="u"
        )
        Entry.objects.create(transaction=posted, account=account, amount=D("5"))


def test_an_unbalanced_transaction_is_refused_when_constraints_are_checked(exchange, alice):
    with pytest.raises(DatabaseError, match="unbalanced ledger transaction"), transaction.atomic():
        _insert_unbalanced(exchange, alice, immediate=True)


def test_an_unbalanced_transaction_is_refused_at_commit():
    """On a connection of its own that commits, as a request would."""
    outcome = []

    def write():
        try:
            exchange = new_exchange()
            account = participant(exchange, "seul")
            with transaction.atomic():
                _insert_unbalanced(exchange, account, immediate=False)
                account_id = account.pk  # the deferred check has not run yet
            outcome.append(("committed", account_id))
        except DatabaseError as error:
            outcome.append(("refused", str(error)))
        finally:
            connection.close()

    thread = threading.Thread(target=write)
    thread.start()
    thread.join()
    [(kind, detail)] = outcome
    assert kind == "refused" and "1 entries summing to 5" in detail


def test_the_database_refuses_to_reverse_a_reversal(exchange, alice):
    earned = services.earn_for_teaching(alice, 1, key="t")
    undone = services.reverse(earned, key="r", reason="erreur")
    with pytest.raises(DatabaseError, match="cannot reverse"), transaction.atomic():
        Transaction.objects.create(
            exchange=exchange, kind="reversal", idempotency_key="rr", reverses=undone
        )


def test_erasure_unlinks_the_person_and_keeps_every_total(exchange, alice, bob):
    services.earn_for_teaching(alice, 2, key="t")
    services.spend_for_attendance(alice, 1, key="a")
    services.earn_for_teaching(bob, 1, key="t-bob")
    before = services.statement(alice)
    erased = services.erase_holder(alice)
    assert erased.pseudonym == "Compte effacé" and erased.holder is None
    assert erased.erased_at is not None
    assert erased.balance == D("2.50")
    assert [r.amount for r in services.statement(erased).rows] == [r.amount for r in before.rows]
    assert services.check_invariants(exchange) == []
    with pytest.raises(LedgerError, match="a été effacé"):
        services.earn_for_teaching(erased, 1, key="t-after")


def test_deleting_a_user_erases_their_account_and_keeps_their_validations(
    exchange, alice, referent
):
    posted = services.earn_for_volunteering(alice, 2, key="v", validated_by=referent)
    holder = alice.holder
    holder.delete()
    erased = Account.objects.get(pk=alice.pk)
    assert (erased.pseudonym, erased.holder_id) == ("Compte effacé", None)
    assert erased.erased_at is not None and erased.balance == D("2.00")
    referent.delete()  # the ledger lets a deleted user's name go, nothing else
    kept = Transaction.objects.get(pk=posted.pk)
    assert (kept.validated_by_id, kept.created_by_id, kept.kind) == (None, None, "volunteering")
    assert services.check_invariants(exchange) == []


def test_the_statement_has_running_and_opening_balances(exchange, alice):
    services.earn_for_teaching(alice, 2, key="t1", reference="occurrence:1")  # 4.00
    services.spend_for_attendance(alice, 1, key="a1", reference="occurrence:2")  # -1.50
    whole = services.statement(alice)
    assert whole.opening == 0 and whole.closing == D("2.50")
    assert [(r.kind, r.amount, r.balance) for r in whole.rows] == [
        ("teaching", D("4.00"), D("4.00")),
        ("attendance", D("-1.50"), D("2.50")),
    ]
    assert [r.reference for r in whole.rows] == ["occurrence:1", "occurrence:2"]
    today = timezone.localdate()
    later = services.statement(alice, start=today + timedelta(days=1))
    assert (later.opening, later.closing, later.rows) == (D("2.50"), D("2.50"), [])
    earlier = services.statement(alice, end=today - timedelta(days=1))
    assert (earlier.opening, earlier.closing, earlier.rows) == (0, 0, [])
    assert len(services.statement(alice, start=today, end=today).rows) == 2


def test_the_statement_csv_is_french_and_safe(exchange, alice):
    services.earn_for_teaching(alice, 1, key="t", reference="=HYPERLINK(1)")
    services.spend_for_attendance(alice, 1, key="a")
    rows = list(csv.reader(io.StringIO(services.statement_csv(alice))))
    assert rows[0] == ["Date", "Transaction", "Opération", "Libellé", "Référence", "Montant", "Solde"]  # fmt: skip
    assert rows[1][2:] == ["Solde initial", "", "", "", "0.00"]
    assert rows[2][2:] == ["Séance animée", "Séance animée (1,00 h)", "'=HYPERLINK(1)", "2.00", "2.00"]  # fmt: skip
    assert rows[3][2:] == ["Séance suivie", "Séance suivie (1,00 h)", "", "-1.50", "0.50"]
    assert rows[4][2:] == ["Solde final", "", "", "", "0.50"]


def test_check_invariants_sees_a_corrupted_balance(exchange, alice):
    services.earn_for_teaching(alice, 1, key="t")
    assert services.check_invariants(exchange) == []
    Account.objects.filter(pk=alice.pk).update(balance=D("9.00"))
    problems = services.check_invariants(exchange)
    assert f"account {alice.pk}: cached balance 9.00 but entries sum to 2.00" in problems
    assert "the balances sum to 7.00, not zero" in problems
    with pytest.raises(CommandError, match="problème"):
        call_command("check_ledger", exchange=exchange.slug, verbosity=0)


def test_check_ledger_passes_on_a_sound_exchange(exchange, alice, capsys):
    services.earn_for_teaching(alice, 1, key="t")
    call_command("check_ledger", exchange=exchange.slug)
    assert "aucun problème" in capsys.readouterr().out


def test_referents_put_themes_online(exchange, referent):
    theme = ExchangeTheme.objects.create(
        exchange=exchange, label="Réparer un vélo", slug="velo", put_online_by=referent
    )
    assert list(exchange.themes.filter(active=True)) == [theme]
    with pytest.raises(IntegrityError), transaction.atomic():
        ExchangeTheme.objects.create(exchange=exchange, label="Vélo", slug="velo")


def test_the_statement_view_is_for_the_holder_referents_and_staff(
    client, exchange, alice, bob, referent
):
    services.earn_for_teaching(alice, 1, key="t")
    url = f"/credits/comptes/{alice.pk}/releve.csv"
    staff = User.objects.create_user(f"st-{uuid.uuid4().hex[:8]}", is_staff=True)
    stranger = User.objects.create_user(f"no-{uuid.uuid4().hex[:8]}")
    assert client.get(url).status_code == 403
    for reader in (alice.holder, referent, staff):
        client.force_login(reader)
        answer = client.get(url)
        assert answer.status_code == 200, reader
        assert answer["Content-Type"].startswith("text/csv")
        assert answer["Cache-Control"] == "private, no-store"
        assert "Séance animée (1,00 h)" in body(answer).decode()
    client.force_login(stranger)
    assert client.get(url).status_code == 403
    assert client.get(f"/credits/comptes/{bob.pk}/releve.csv").status_code == 403
    client.force_login(staff)
    assert client.get(f"/credits/comptes/{Account.objects.order_by('-pk')[0].pk + 1}/releve.csv").status_code == 404  # fmt: skip
    assert client.get(url + "?du=hier").status_code == 404
    dated = client.get(url + f"?du={timezone.localdate() + timedelta(days=2)}")
    assert body(dated).decode().splitlines()[1].endswith("2.00")  # the opening balance


def test_the_admin_shows_the_ledger_read_only_and_reverses_by_action(admin_client, exchange, alice):
    posted = services.earn_for_teaching(alice, 1, key="t")
    page = admin_client.get(f"/admin/credits/transaction/{posted.pk}/change/")
    assert page.status_code == 200
    assert "Colibri 12" in page.content.decode() and 'name="_save"' not in page.content.decode()
    assert admin_client.get(f"/admin/credits/transaction/{posted.pk}/delete/").status_code == 403
    assert admin_client.get("/admin/credits/transaction/add/").status_code == 403
    assert admin_client.get(f"/admin/credits/account/{alice.pk}/change/").status_code == 200
    action = {"action": "reverse", "_selected_action": [posted.pk]}
    admin_client.post("/admin/credits/transaction/", action)
    admin_client.post("/admin/credits/transaction/", action)  # a double click pays nothing more
    assert balance(alice) == 0
    assert Transaction.objects.filter(exchange=exchange, reverses=posted).count() == 1
    assert services.check_invariants(exchange) == []
