"""The forms of the exchange's pages: a theme put online, hours declared, a refusal, the
rules. Amounts and hours accept the French comma (« 1,5 ») as well as the point; every
refusal names the field and says what is expected, and the form comes back filled."""

from datetime import timedelta
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.text import slugify

from carto.contributions.propose.forms import SummaryMixin

from .models import MAX_CLAIM_HOURS, Exchange, ExchangeTheme

# A claim may be declared up to a year after the hours: older ones are settled by hand.
CLAIM_WINDOW = timedelta(days=366)


class ThemeForm(SummaryMixin, forms.ModelForm):
    """A theme put online: its address (slug) is derived from its label, unique in the
    exchange."""

    class Meta:
        model = ExchangeTheme
        fields = ["label", "description"]
        labels = {"label": "Thème", "description": "Description"}
        help_texts = {"description": "Ce que l’on peut apprendre ou transmettre (facultatif)."}
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, exchange: Exchange, **kwargs):
        super().__init__(*args, **kwargs)
        self.exchange = exchange

    def clean_label(self) -> str:
        label = self.cleaned_data["label"].strip()
        slug = slugify(label)[: ExchangeTheme._meta.get_field("slug").max_length].strip("-")
        if not slug:
            raise forms.ValidationError("Le thème doit contenir au moins une lettre ou un chiffre.")
        same = ExchangeTheme.objects.filter(exchange=self.exchange, slug=slug).first()
        if same:
            raise forms.ValidationError(
                f"Un thème à l’adresse « {slug} » existe déjà dans cet échange "
                f"(« {same.label} », {'en ligne' if same.active else 'hors ligne'}) : "
                "remettez-le en ligne ou choisissez un autre intitulé."
            )
        self.instance.slug = slug
        return label

    def save(self, commit=True):
        self.instance.exchange = self.exchange
        return super().save(commit)


class ClaimForm(SummaryMixin, forms.Form):
    """Hours of volunteering declared by a participant; `pseudonym` is asked only on the
    first claim, when the account is opened."""

    pseudonym = forms.CharField(
        label="Votre pseudonyme dans l’échange",
        max_length=120,
        help_text="Le seul nom que l’échange montre ; il ouvre votre compte.",
    )
    day = forms.DateField(
        label="Jour", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    hours = forms.DecimalField(
        label="Nombre d’heures",
        max_digits=4,
        decimal_places=2,
        localize=True,
        help_text="Par exemple 2 ou 1,5 (au plus 24 h pour une journée).",
    )
    description = forms.CharField(
        label="Ce que vous avez fait",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Quelques mots pour le ou la référent·e : l’action, le lieu.",
    )

    def __init__(self, *args, needs_pseudonym: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not needs_pseudonym:
            del self.fields["pseudonym"]

    def clean_pseudonym(self) -> str:
        pseudonym = self.cleaned_data["pseudonym"].strip()
        if not pseudonym:
            raise forms.ValidationError("Indiquez un pseudonyme (il peut être votre prénom).")
        return pseudonym

    def clean_day(self):
        day = self.cleaned_data["day"]
        today = timezone.localdate()
        if day > today:
            raise forms.ValidationError(
                "Ce jour est dans le futur : déclarez les heures une fois faites."
            )
        if day < today - CLAIM_WINDOW:
            raise forms.ValidationError(
                "Ce jour date de plus d’un an : voyez directement avec un·e référent·e."
            )
        return day

    def clean_hours(self) -> Decimal:
        hours = self.cleaned_data["hours"]
        if hours <= 0:
            raise forms.ValidationError("Le nombre d’heures doit être positif.")
        if hours > MAX_CLAIM_HOURS:
            raise forms.ValidationError("Au plus 24 heures pour une journée.")
        return hours


class RefusalForm(forms.Form):
    reason = forms.CharField(
        label="Motif du refus",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="La personne le lira.",
        error_messages={"required": "Indiquez le motif du refus : la personne le lira."},
    )


class RulesForm(SummaryMixin, forms.ModelForm):
    """The rates and the floor, as the database's constraints want them (rates ≥ 0,
    floor ≤ 0), checked here first to name the field at fault."""

    class Meta:
        model = Exchange
        fields = ["teaching_rate", "volunteering_rate", "attendance_rate", "floor"]
        localized_fields = fields

    def clean(self):
        cleaned = super().clean()
        for name in ["teaching_rate", "volunteering_rate", "attendance_rate"]:
            if cleaned.get(name) is not None and cleaned[name] < 0:
                self.add_error(name, "Un taux ne peut pas être négatif (0 ou plus).")
        if cleaned.get("floor") is not None and cleaned["floor"] > 0:
            self.add_error(
                "floor",
                "Le solde minimal est 0 ou négatif (un petit découvert permis), jamais positif.",
            )
        return cleaned
