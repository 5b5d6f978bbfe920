"""The form of a new initiative: the fields of an action sheet (statut, dimension, mots
clés, résumé, structure organisatrice, initiative, contexte, territoire, partenaires,
description, ressources, personnes, résultats, limites, perspectives, liens), prefilled
when its proposer amends it.

Its organiser is a listed actor chosen in the autocomplete, or a new one (name, kind,
commune) proposed with it. The model keeps one `url`: the other links wait in the
proposal (services).
"""

from django import forms

from carto.actors.models import Actor, ActorKind, Initiative

from .fields import MAX_THEMES, LinesField, LinksField, TermsField, free_text
from .forms import ACTION_STATUSES, KIND_CHOICE, ContributionForm
from .place_fields import TerritoryCodesField, find_commune

EXISTING, NEW = "existing", "new"


class InitiativeProposalForm(ContributionForm):
    action_status = forms.ChoiceField(
        label="Statut de l’action", choices=ACTION_STATUSES, required=False
    )
    keywords = LinesField(
        label="Mots-clés",
        item_length=200,
        commas=True,
        help_text="Séparés par des virgules ou un par ligne, 20 au plus.",
    )
    themes = TermsField(label="Thèmes", max_choices=MAX_THEMES, help_text=f"{MAX_THEMES} au plus.")
    publics = TermsField(label="Publics")
    summary = free_text("Résumé", "Quelques lignes : ce qui est fait, avec qui, pour qui.")
    initiators = LinesField(
        label="Qui est à l’initiative de l’action ?",
        item_length=300,
        help_text="Un par ligne : le centre social, des habitants, un partenaire…",
    )
    context = free_text("Contexte et objectifs", rows=5)
    partners = LinesField(label="Partenaires", item_length=300, help_text="Un par ligne.")
    description = free_text("Description de l’action", "Ses étapes, ses acteurs.", 6)
    resources = free_text("Ressources mobilisées", "Moyens humains, matériels, financiers.")
    people = free_text("Personnes mobilisées", "Bénévoles, salariés, habitants…")
    results_territory = free_text("Résultats pour le territoire")
    results_centre = free_text("Résultats pour la structure")
    results_inhabitants = free_text("Résultats pour les habitants")
    limits = free_text("Limites", "Ce qui a moins bien marché, les difficultés.")
    perspectives = free_text("Perspectives")
    footprint_codes = TerritoryCodesField(label="Territoires concernés")
    links = LinksField(
        label="Liens vers des témoignages ou des vidéos",
        help_text="Une adresse web (http:// ou https://) par ligne, 10 au plus.",
    )
    organizer_choice = forms.ChoiceField(
        label="Est-elle déjà dans l’annuaire ?",
        choices=[
            (EXISTING, "Une structure déjà dans l’annuaire"),
            (NEW, "Une structure qui n’y est pas encore"),
        ],
        initial=EXISTING,
        widget=forms.RadioSelect,
    )
    organizer = forms.IntegerField(required=False, widget=forms.HiddenInput)
    organizer_search = forms.CharField(
        label="Chercher la structure",
        required=False,
        max_length=300,
        help_text="Tapez au moins deux lettres de son nom, puis choisissez-la dans la liste.",
    )
    organizer_name = forms.CharField(label="Nom de la structure", required=False, max_length=300)
    organizer_kind = forms.ModelChoiceField(
        label="Type de structure", queryset=ActorKind.objects.all(), required=False
    )
    organizer_commune = forms.CharField(
        label="Commune de la structure",
        required=False,
        max_length=200,
        help_text="Choisissez-la dans la liste, ou écrivez-la avec son département : Lens (62).",
    )
    organizer_commune_code = forms.CharField(required=False, max_length=5, widget=forms.HiddenInput)

    class Meta:
        model = Initiative
        fields = [
            "title", "action_status", "dimension", "keywords", "themes", "publics", "summary",
            "initiators", "context", "footprint_codes", "partners", "description", "resources",
            "people", "results_territory", "results_centre", "results_inhabitants", "limits",
            "perspectives",
        ]  # fmt: skip
        labels = {"title": "Titre de l’action", "dimension": "Dimension"}
        help_texts = {
            "dimension": "Par exemple : Citoyenneté, Accompagnement de projets, Services."
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organizer_kind"].empty_label = KIND_CHOICE["empty_label"]

    def clean(self):
        data = super().clean()
        if data.get("organizer_choice") == NEW:
            self._clean_new_organizer(data)
        elif data.get("organizer_choice") == EXISTING:
            found = Actor.objects.listed().filter(pk=data.get("organizer") or 0).first()
            if found is None:
                self.add_error(
                    "organizer_search",
                    "choisissez la structure dans la liste qui s’ouvre quand vous tapez son "
                    "nom ; si elle n’y est pas, cochez « une structure qui n’y est pas encore ».",
                )
            data["organizer_actor"] = found
        return data

    def _clean_new_organizer(self, data):
        if not data.get("organizer_name"):
            self.add_error("organizer_name", "indiquez le nom de la structure organisatrice.")
        if not data.get("organizer_kind"):
            self.add_error("organizer_kind", "choisissez le type de la structure organisatrice.")
        commune = find_commune(
            data.get("organizer_commune", ""), data.get("organizer_commune_code", "")
        )
        if commune is None:
            self.add_error(
                "organizer_commune",
                "commune introuvable : choisissez-la dans la liste, ou écrivez son nom et "
                "son département, par exemple Lens (62).",
            )
        data["organizer_territory"] = commune

    @classmethod
    def for_amendment(cls, proposal, data=None):
        initiative = Initiative.objects.select_related("organizer").get(pk=proposal.initiative_id)
        organizer = initiative.organizer
        initial = {
            "edit_version": initiative.version,
            "links": proposal.changes.get("links") or ([initiative.url] if initiative.url else []),
            "proposer_name": proposal.proposer_name,
            "proposer_email": proposal.proposer_email,
        }
        if organizer is not None and organizer.listed:
            initial.update(organizer_choice=EXISTING, organizer=organizer.pk,
                           organizer_search=organizer.name)  # fmt: skip
        elif organizer is not None:
            initial.update(
                organizer_choice=NEW, organizer_name=organizer.name,
                organizer_kind=organizer.kind_id, organizer_commune_code=organizer.commune_code,
                organizer_commune=f"{organizer.city} ({organizer.departement_code})",
            )  # fmt: skip
        return cls(data, instance=initiative, initial=initial)

    def entry_values(self) -> dict:
        values = {name: self.cleaned_data[name] for name in self.Meta.fields}
        links = self.cleaned_data["links"]
        values["url"] = links[0] if links else ""
        return values

    def organizer_label(self) -> str:
        """The chosen listed organiser as the page shows it after an error (« name, city »)."""
        value = self["organizer"].value()
        try:
            actor = Actor.objects.listed().filter(pk=int(value)).first() if value else None
        except (TypeError, ValueError):
            return ""
        return f"{actor.name} ({actor.city})" if actor else ""
