"""The exchange's pages: the public page, the themes the référents put online, the
volunteering claims from declaration to validation or refusal (paid once, never by the
claimant themself), the rules changed on a page with their history, and who may do what.
Every test works on an exchange of its own."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from carto.agenda.credits import services, volunteering
from carto.agenda.credits.models import (
    Account,
    AccountKind,
    ClaimState,
    Exchange,
    ExchangeTheme,
    Transaction,
    TransactionKind,
    VolunteeringClaim,
)
from tests.helpers import body, in_own_connection, together

pytestmark = pytest.mark.django_db

D = Decimal


def user(prefix: str, **values) -> User:
    return User.objects.create_user(f"{prefix}-{uuid.uuid4().hex[:8]}", **values)


@pytest.fixture
def exchange() -> Exchange:
    slug = f"kat-{uuid.uuid4().hex[:10]}"
    return Exchange.objects.create(name=f"Échange {slug}", slug=slug)


@pytest.fixture
def referent(exchange) -> User:
    person = user("ref")
    exchange.referents.add(person)
    return person


@pytest.fixture
def other_referent(exchange) -> User:
    person = user("ref2")
    exchange.referents.add(person)
    return person


@pytest.fixture
def member() -> User:
    return user("membre")


def text_of(response) -> str:
    return body(response).decode()


def url(name: str, exchange: Exchange, *args) -> str:
    return reverse(f"credits:{name}", args=[exchange.slug, *args])


def pending_claim(exchange, person, hours="2", pseudonym="Camille") -> VolunteeringClaim:
    account = volunteering.open_account(exchange, person, pseudonym)
    return volunteering.declare(
        account,
        person,
        day=timezone.localdate() - timedelta(days=1),
        hours=D(hours),
        description="Accueil au repair café",
    )


# The public page


def test_public_page_shows_the_rules_and_the_themes_online(client, exchange, referent):
    Exchange.objects.filter(pk=exchange.pk).update(
        volunteering_rate=D("1.50"), floor=D("-3.00"), currency="GRAINS"
    )
    ExchangeTheme.objects.create(exchange=exchange, label="Couture <b>", slug="couture")
    ExchangeTheme.objects.create(exchange=exchange, label="Cuisine", slug="cuisine", active=False)
    response = client.get(url("exchange", exchange))
    assert response.status_code == 200
    text = text_of(response)
    assert exchange.name in text and "GRAINS" in text
    assert "1,50 GRAINS par heure validée" in text
    assert "-3 GRAINS" in text  # the floor
    assert "1 référent·e" in text  # counted, never named
    assert referent.username not in text
    assert "Couture &lt;b&gt;" in text  # the label as text
    assert "Cuisine" not in text  # offline
    assert "Gérer les thèmes" not in text


def test_public_page_of_an_unknown_exchange_is_404(client):
    assert client.get("/credits/echanges/pas-d-echange/").status_code == 404


# Themes


def test_a_referent_puts_a_theme_online(client, exchange, referent):
    client.force_login(referent)
    response = client.post(
        url("themes", exchange), {"label": "Réparer un vélo", "description": "Freins, chaîne."}
    )
    assert response.status_code == 302
    theme = ExchangeTheme.objects.get(exchange=exchange)
    assert (theme.slug, theme.active, theme.put_online_by) == ("reparer-un-velo", True, referent)
    assert "Réparer un vélo" in text_of(client.get(url("exchange", exchange)))
    page = client.get(url("themes", exchange))
    assert page.status_code == 200 and "reparer-un-velo" in text_of(page)


def test_a_theme_whose_address_exists_is_refused_and_the_form_kept(client, exchange, referent):
    ExchangeTheme.objects.create(exchange=exchange, label="Couture", slug="couture")
    client.force_login(referent)
    response = client.post(
        url("themes", exchange), {"label": " COUTURE ", "description": "Ourlets"}
    )
    assert response.status_code == 400
    text = text_of(response)
    assert "Un thème à l’adresse « couture » existe déjà dans cet échange" in text
    assert "Ourlets" in text  # nothing lost
    assert ExchangeTheme.objects.filter(exchange=exchange).count() == 1
    response = client.post(url("themes", exchange), {"label": "!!!"})
    assert response.status_code == 400
    assert "au moins une lettre ou un chiffre" in text_of(response)
    response = client.post(url("themes", exchange), {"label": ""})
    assert response.status_code == 400 and "point à corriger" in text_of(response)


def test_a_theme_goes_offline_and_back_online(client, exchange, referent, other_referent):
    theme = ExchangeTheme.objects.create(
        exchange=exchange, label="Jardinage", slug="jardinage", put_online_by=referent
    )
    client.force_login(referent)
    response = client.post(url("theme-online", exchange, theme.pk), {"active": "0"}, follow=True)
    assert "Thème « Jardinage » retiré (hors ligne)." in text_of(response)
    theme.refresh_from_db()
    assert not theme.active
    assert "Jardinage" not in text_of(client.get(url("exchange", exchange)))
    client.force_login(other_referent)
    response = client.post(url("theme-online", exchange, theme.pk), {"active": "1"}, follow=True)
    assert "Thème « Jardinage » remis en ligne." in text_of(response)
    theme.refresh_from_db()
    assert theme.active and theme.put_online_by == other_referent
    assert "Jardinage" in text_of(client.get(url("exchange", exchange)))
    # The history says who took it offline and who put it back.
    who = list(theme.history.order_by("history_date").values_list("history_user", "active"))
    assert who[-2:] == [(referent.pk, False), (other_referent.pk, True)]
    response = client.post(
        url("theme-online", exchange, theme.pk), {"active": "peut-être"}, follow=True
    )
    assert "Action inconnue" in text_of(response)
    theme.refresh_from_db()
    assert theme.active


def test_a_theme_of_another_exchange_is_404(client, exchange, referent):
    elsewhere = Exchange.objects.create(name="Ailleurs", slug=f"ailleurs-{uuid.uuid4().hex[:6]}")
    theme = ExchangeTheme.objects.create(exchange=elsewhere, label="Chant", slug="chant")
    client.force_login(referent)
    assert client.post(url("theme-online", exchange, theme.pk), {"active": "0"}).status_code == 404


# Who may


def test_non_referents_get_a_french_403_and_visitors_the_login_page(client, exchange, member):
    claim = pending_claim(exchange, user("autre"))
    theme = ExchangeTheme.objects.create(exchange=exchange, label="Chant", slug="chant")
    guarded = [
        ("get", url("themes", exchange)),
        ("post", url("theme-online", exchange, theme.pk)),
        ("get", url("claims-to-decide", exchange)),
        ("post", url("validate-claim", exchange, claim.pk)),
        ("post", url("refuse-claim", exchange, claim.pk)),
        ("get", url("rules", exchange)),
    ]
    for method, address in guarded:
        response = getattr(client, method)(address)
        assert response.status_code == 302 and "/connexion/" in response["Location"], address
    client.force_login(member)
    for method, address in guarded:
        response = getattr(client, method)(
            address, {"active": "0", f"refus-{claim.pk}-reason": "non"}
        )
        assert response.status_code == 403, address
        assert "Accès réservé aux référents" in text_of(response)
    claim.refresh_from_db()
    theme.refresh_from_db()
    assert claim.state == ClaimState.PENDING and theme.active
    assert not Transaction.objects.filter(exchange=exchange).exists()


def test_staff_change_the_rules_but_do_not_validate_hours(client, exchange):
    staff = user("equipe", is_staff=True)
    client.force_login(staff)
    assert client.get(url("rules", exchange)).status_code == 200
    assert client.get(url("claims-to-decide", exchange)).status_code == 403
    assert client.get(url("themes", exchange)).status_code == 403


# Declaring hours


def test_a_first_claim_opens_the_account_and_waits_for_a_referent(client, exchange, member):
    client.force_login(member)
    page = client.get(url("my-claims", exchange))
    assert page.status_code == 200 and "Votre pseudonyme" in text_of(page)
    day = timezone.localdate() - timedelta(days=2)
    response = client.post(
        url("my-claims", exchange),
        {"pseudonym": "Camille", "day": day.isoformat(), "hours": "1,5", "description": "Tri"},
    )
    assert response.status_code == 302
    account = Account.objects.get(exchange=exchange, holder=member)
    assert (account.kind, account.pseudonym, account.balance) == ("participant", "Camille", 0)
    claim = VolunteeringClaim.objects.get(exchange=exchange)
    assert (claim.account, claim.claimant, claim.day, claim.hours) == (
        account,
        member,
        day,
        D("1.5"),
    )
    assert claim.state == ClaimState.PENDING
    text = text_of(client.get(url("my-claims", exchange)))
    assert "En attente de validation" in text and "Votre pseudonyme" not in text
    # A second claim goes to the same account.
    client.post(
        url("my-claims", exchange), {"day": day.isoformat(), "hours": "2", "description": "Caisse"}
    )
    assert VolunteeringClaim.objects.filter(account=account).count() == 2
    assert Account.objects.filter(exchange=exchange, holder=member).count() == 1


@pytest.mark.parametrize(
    "values, message",
    [
        ({"day": "2999-01-01"}, "Ce jour est dans le futur"),
        ({"day": "hier"}, "Saisissez une date valide"),
        ({"day": "2001-01-01"}, "plus d’un an"),
        ({"hours": "0"}, "Le nombre d’heures doit être positif"),
        ({"hours": "25"}, "Au plus 24 heures"),
        ({"hours": "deux"}, "Saisissez un nombre"),
        ({"description": ""}, "Ce champ est obligatoire"),
        ({"pseudonym": "  "}, "Ce champ est obligatoire"),
    ],
)
def test_a_bad_claim_is_refused_with_its_reason_and_kept(client, exchange, member, values, message):
    client.force_login(member)
    data = {
        "pseudonym": "Camille",
        "day": (timezone.localdate() - timedelta(days=1)).isoformat(),
        "hours": "3",
        "description": "Atelier de réparation du samedi",
    } | values
    response = client.post(url("my-claims", exchange), data)
    assert response.status_code == 400
    text = text_of(response)
    assert message in text
    assert "Rien de ce que vous avez saisi n’est perdu" in text
    kept = [value for value in data.values() if value.strip()]
    assert all(value in text for value in kept)
    assert not VolunteeringClaim.objects.filter(exchange=exchange).exists()
    assert not Account.objects.filter(exchange=exchange, holder=member).exists()


# Deciding


def test_validation_pays_once_whatever_the_clicks(client, exchange, referent, member):
    Exchange.objects.filter(pk=exchange.pk).update(volunteering_rate=D("1.50"))
    claim = pending_claim(exchange, member, hours="2")
    client.force_login(referent)
    page = client.get(url("claims-to-decide", exchange))
    assert page.status_code == 200 and "Accueil au repair café" in text_of(page)
    first = client.post(url("validate-claim", exchange, claim.pk), follow=True)
    assert "3,00 KAT versés" in text_of(first)
    second = client.post(url("validate-claim", exchange, claim.pk), follow=True)
    assert "rien de plus n’a été versé" in text_of(second)
    claim.refresh_from_db()
    paid = Transaction.objects.get(exchange=exchange)
    assert (claim.state, claim.transaction, claim.decided_by) == ("validated", paid, referent)
    assert (paid.kind, paid.validated_by, paid.idempotency_key) == (
        TransactionKind.VOLUNTEERING,
        referent,
        f"volunteering-claim:{claim.pk}",
    )
    assert Account.objects.get(pk=claim.account_id).balance == D("3.00")
    # A retry through the service, even by another référent, returns the same payment.
    other = user("ref3")
    exchange.referents.add(other)
    assert volunteering.validate(claim, other) == paid
    assert Transaction.objects.filter(exchange=exchange).count() == 1
    assert services.check_invariants(exchange) == []
    mine = text_of(client.get(url("exchange", exchange)))
    assert "Accueil" not in mine  # claims are not public
    client.force_login(member)
    assert "3,00 KAT reçus" in text_of(client.get(url("my-claims", exchange)))


def test_a_refusal_needs_a_reason_and_the_claimant_reads_it(client, exchange, referent, member):
    claim = pending_claim(exchange, member)
    client.force_login(referent)
    field = f"refus-{claim.pk}-reason"
    response = client.post(url("refuse-claim", exchange, claim.pk), {field: "   "})
    assert response.status_code == 400
    assert "Indiquez le motif du refus" in text_of(response)
    claim.refresh_from_db()
    assert claim.state == ClaimState.PENDING
    response = client.post(
        url("refuse-claim", exchange, claim.pk), {field: "Heures <déjà> comptées"}
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert (claim.state, claim.decided_by) == ("refused", referent)
    assert claim.refusal_reason == "Heures <déjà> comptées"
    # A refused claim is not paid afterwards.
    response = client.post(url("validate-claim", exchange, claim.pk), follow=True)
    assert "déjà été refusée" in text_of(response)
    assert not Transaction.objects.filter(exchange=exchange).exists()
    client.force_login(member)
    text = text_of(client.get(url("my-claims", exchange)))
    assert "Refusée le" in text and "Heures &lt;déjà&gt; comptées" in text


def test_nobody_validates_their_own_hours(client, exchange, referent, other_referent):
    claim = pending_claim(exchange, referent)
    client.force_login(referent)
    response = client.post(url("validate-claim", exchange, claim.pk), follow=True)
    assert "Vous ne pouvez pas valider ni refuser vos propres heures" in text_of(response)
    response = client.post(
        url("refuse-claim", exchange, claim.pk), {f"refus-{claim.pk}-reason": "non"}, follow=True
    )
    assert "vos propres heures" in text_of(response)
    claim.refresh_from_db()
    assert claim.state == ClaimState.PENDING
    assert not Transaction.objects.filter(exchange=exchange).exists()
    with pytest.raises(volunteering.ClaimRefused):
        volunteering.validate(claim, referent)
    client.force_login(other_referent)
    client.post(url("validate-claim", exchange, claim.pk))
    claim.refresh_from_db()
    assert claim.state == ClaimState.VALIDATED and claim.decided_by == other_referent


def test_a_claim_of_another_exchange_is_404(client, exchange, referent, member):
    elsewhere = Exchange.objects.create(name="Ailleurs", slug=f"ailleurs-{uuid.uuid4().hex[:6]}")
    claim = pending_claim(elsewhere, member)
    client.force_login(referent)
    assert client.post(url("validate-claim", exchange, claim.pk)).status_code == 404


# Rules


def test_rules_changed_on_the_page_apply_to_later_earnings(client, exchange, referent, member):
    before = pending_claim(exchange, member, hours="2")
    other = user("ref4")
    exchange.referents.add(other)
    volunteering.validate(before, other)
    client.force_login(referent)
    assert client.get(url("rules", exchange)).status_code == 200
    response = client.post(
        url("rules", exchange),
        {"teaching_rate": "2", "volunteering_rate": "2,5", "attendance_rate": "1", "floor": "-4"},
        follow=True,
    )
    assert "Règles enregistrées" in text_of(response)
    exchange.refresh_from_db()
    assert (exchange.teaching_rate, exchange.volunteering_rate, exchange.floor) == (
        D("2.00"),
        D("2.50"),
        D("-4.00"),
    )
    # Who changed what, on the page and in the history.
    latest = exchange.history.latest("history_date")
    assert latest.history_user == referent
    text = text_of(response)
    assert referent.username in text
    assert "crédits par heure de bénévolat : 1 → 2,50" in text
    after = pending_claim(exchange, member, hours="2")
    volunteering.validate(after, other)
    account = Account.objects.get(exchange=exchange, holder=member)
    assert account.balance == D("2.00") + D("5.00")  # the old rate before, the new one after
    assert services.check_invariants(exchange) == []


@pytest.mark.parametrize(
    "values, message",
    [
        ({"volunteering_rate": "-1"}, "Un taux ne peut pas être négatif"),
        ({"attendance_rate": "-0,5"}, "Un taux ne peut pas être négatif"),
        ({"floor": "2"}, "Le solde minimal est 0 ou négatif"),
        ({"teaching_rate": "beaucoup"}, "Saisissez un nombre"),
        ({"teaching_rate": "1,555"}, "2 chiffres après la virgule"),
    ],
)
def test_bad_rules_are_refused_and_nothing_changes(client, exchange, referent, values, message):
    client.force_login(referent)
    data = {"teaching_rate": "3", "volunteering_rate": "2", "attendance_rate": "1", "floor": "-1"}
    data |= values
    response = client.post(url("rules", exchange), data)
    assert response.status_code == 400
    text = text_of(response)
    assert message in text
    assert all(f'value="{value}"' in text for value in data.values())
    fresh = Exchange.objects.get(pk=exchange.pk)
    assert (fresh.teaching_rate, fresh.volunteering_rate, fresh.floor) == (D("1"), D("1"), D("0"))


def test_an_erased_account_cannot_claim(exchange, member):
    account = volunteering.open_account(exchange, member, "Camille")
    services.erase_holder(account)
    with pytest.raises(volunteering.ClaimRefused):
        volunteering.declare(
            account, member, day=timezone.localdate(), hours=D("1"), description="x"
        )
    assert Account.objects.filter(exchange=exchange, kind=AccountKind.PARTICIPANT).count() == 1


def test_the_migration_records_the_rules_in_force(exchange):
    """Exchanges opened before the history get a first record, so that the first change
    made on the rules page shows what it changed from."""
    from importlib import import_module

    from django.apps import apps

    migration = import_module("carto.agenda.credits.migrations.0003_referent_pages")
    exchange.history.all().delete()
    Exchange.objects.filter(pk=exchange.pk).update(volunteering_rate=D("1.25"))
    migration.record_rules_in_force(apps, None)
    first = exchange.history.get()
    assert (first.history_type, first.volunteering_rate, first.name) == (
        "+",
        D("1.25"),
        exchange.name,
    )


def test_the_admin_lists_the_claims_and_the_history_of_the_rules(client, exchange, member):
    claim = pending_claim(exchange, member)
    client.force_login(User.objects.create_superuser(f"admin-{uuid.uuid4().hex[:8]}"))
    listing = client.get(reverse("admin:credits_volunteeringclaim_changelist"))
    assert listing.status_code == 200 and "Camille" in text_of(listing)
    detail = client.get(reverse("admin:credits_volunteeringclaim_change", args=[claim.pk]))
    assert detail.status_code == 200 and "Accueil au repair café" in text_of(detail)
    history = client.get(reverse("admin:credits_exchange_history", args=[exchange.pk]))
    assert history.status_code == 200


def test_simultaneous_validations_by_two_referents_pay_once():
    """Four clicks at once, by two référents: the claim's row lock serves them one after
    the other, the first pays and the others find the claim validated. Committed on
    connections of their own (the ledger stays: append-only), scoped to their exchange."""

    def open_claim():
        slug = f"race-claim-{uuid.uuid4().hex[:10]}"
        exchange = Exchange.objects.create(name=slug, slug=slug)
        deciders = [user("ref-a"), user("ref-b")]
        exchange.referents.add(*deciders)
        return exchange, deciders, pending_claim(exchange, user("membre"), hours="3")

    exchange, deciders, claim = in_own_connection(open_claim)
    outcomes = together(
        lambda n: volunteering.validate(claim, deciders[n % 2]),
        range(4),
        refused=services.LedgerError,
    )
    assert [kind for kind, _ in outcomes] == ["ok"] * 4, outcomes
    assert len({posted.pk for _, posted in outcomes}) == 1
    assert Transaction.objects.filter(exchange=exchange).count() == 1
    assert Account.objects.get(pk=claim.account_id).balance == D("3.00")
    assert services.check_invariants(exchange) == []
