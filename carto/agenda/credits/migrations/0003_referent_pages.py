"""The référents' pages: the history of the exchanges' rules and themes (who changed
what), with a first record of the rules in force today so that the first change made on
the rules page shows its « from »; the volunteering claims."""

from decimal import Decimal

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

RULES = ["name", "slug", "currency", "teaching_rate", "volunteering_rate", "attendance_rate", "floor"]  # fmt: skip


def record_rules_in_force(apps, schema_editor):
    """One « created » history record per existing exchange, its rules as they are now."""
    Exchange = apps.get_model("credits", "Exchange")
    Historical = apps.get_model("credits", "HistoricalExchange")
    Historical.objects.bulk_create(
        Historical(
            id=exchange.pk,
            **{name: getattr(exchange, name) for name in RULES},
            history_date=timezone.now(),
            history_type="+",
            history_change_reason="règles en vigueur à l’ouverture de l’historique",
        )
        for exchange in Exchange.objects.all()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("credits", "0002_ledger_sql"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="HistoricalExchange",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=200, verbose_name="nom")),
                ("slug", models.SlugField(max_length=80)),
                ("currency", models.CharField(default="KAT", max_length=20, verbose_name="unité")),
                (
                    "teaching_rate",
                    models.DecimalField(
                        decimal_places=2,
                        default=Decimal("1.00"),
                        max_digits=12,
                        verbose_name="crédits par heure animée",
                    ),
                ),
                (
                    "volunteering_rate",
                    models.DecimalField(
                        decimal_places=2,
                        default=Decimal("1.00"),
                        max_digits=12,
                        verbose_name="crédits par heure de bénévolat",
                    ),
                ),
                (
                    "attendance_rate",
                    models.DecimalField(
                        decimal_places=2,
                        default=Decimal("1.00"),
                        max_digits=12,
                        verbose_name="crédits débités par heure suivie",
                    ),
                ),
                (
                    "floor",
                    models.DecimalField(
                        decimal_places=2,
                        default=Decimal("0.00"),
                        help_text="Un solde ne descend jamais en dessous (négatif : petit découvert permis).",
                        max_digits=12,
                        verbose_name="solde minimal",
                    ),
                ),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "historical échange de savoirs",
                "verbose_name_plural": "historical échanges de savoirs",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalExchangeTheme",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("label", models.CharField(max_length=200, verbose_name="thème")),
                ("slug", models.SlugField(max_length=80)),
                ("description", models.TextField(blank=True)),
                ("active", models.BooleanField(default=True, verbose_name="en ligne")),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "exchange",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="credits.exchange",
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "put_online_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="mis en ligne par",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical thème d’échange",
                "verbose_name_plural": "historical thèmes d’échange",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="VolunteeringClaim",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField(verbose_name="jour")),
                (
                    "hours",
                    models.DecimalField(decimal_places=2, max_digits=4, verbose_name="heures"),
                ),
                (
                    "description",
                    models.TextField(max_length=2000, verbose_name="ce qui a été fait"),
                ),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("pending", "En attente de validation"),
                            ("validated", "Validée"),
                            ("refused", "Refusée"),
                        ],
                        default="pending",
                        max_length=20,
                        verbose_name="état",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="déclarée le")),
                (
                    "decided_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="décidée le"),
                ),
                (
                    "refusal_reason",
                    models.TextField(blank=True, max_length=1000, verbose_name="motif du refus"),
                ),
                (
                    "account",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="claims",
                        to="credits.account",
                    ),
                ),
                (
                    "claimant",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="volunteering_claims",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="déclarant·e",
                    ),
                ),
                (
                    "decided_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="décidée par",
                    ),
                ),
                (
                    "exchange",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="claims",
                        to="credits.exchange",
                    ),
                ),
                (
                    "transaction",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="claim",
                        to="credits.transaction",
                        verbose_name="transaction",
                    ),
                ),
            ],
            options={
                "verbose_name": "déclaration de bénévolat",
                "verbose_name_plural": "déclarations de bénévolat",
                "ordering": ["-created_at", "-id"],
                "indexes": [
                    models.Index(fields=["exchange", "state"], name="credits_claim_state_idx")
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("hours__gt", 0), ("hours__lte", Decimal("24.00"))),
                        name="credits_claim_hours_range",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("state__in", ["pending", "validated", "refused"])),
                        name="credits_claim_state_known",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("state", "validated"), ("transaction__isnull", False)),
                            models.Q(
                                models.Q(("state", "validated"), _negated=True),
                                ("transaction__isnull", True),
                            ),
                            _connector="OR",
                        ),
                        name="credits_claim_validated_paid",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("state", "refused"), _negated=True),
                            models.Q(("refusal_reason", ""), _negated=True),
                            _connector="OR",
                        ),
                        name="credits_claim_refused_reason",
                    ),
                ],
            },
        ),
        migrations.RunPython(record_rules_in_force, migrations.RunPython.noop),
    ]
