"""The account statement as CSV, for its holder, the exchange's référents and staff."""

from datetime import date

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from carto import csv_export

from . import services
from .models import Account


def may_read(user, account: Account) -> bool:
    """The holder, a référent of the account's exchange, or staff."""
    if not user.is_authenticated:
        return False
    return user.is_staff or account.holder_id == user.pk or account.exchange.is_referent(user)


def _day(request, name: str) -> date | None:
    value = request.GET.get(name)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Http404(f"date « {name} » illisible (AAAA-MM-JJ attendu)") from None


@require_GET
def statement_csv(request, pk: int):
    """GET /credits/comptes/<id>/releve.csv[?du=AAAA-MM-JJ&au=AAAA-MM-JJ]: 404 for an
    unknown account, 403 for anyone else than its readers. Never cached: it is personal."""
    account = get_object_or_404(Account.objects.select_related("exchange"), pk=pk)
    if not may_read(request.user, account):
        raise PermissionDenied("Ce relevé n’est lisible que par son titulaire et les référents.")
    found = services.statement(account, _day(request, "du"), _day(request, "au"))
    return csv_export.response(
        services.STATEMENT_COLUMNS,
        services.statement_lines(found),
        f"releve-{account.exchange.slug}-{account.pk}.csv",
        headers={"Cache-Control": "private, no-store"},
    )
