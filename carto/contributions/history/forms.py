"""The owner's edit form: the entry's main public fields (and, for an actor, its contact
person with their consent), plus the version the form was opened on."""

from django import forms
from django.db import models

from carto.actors import opening_hours

from ..owners import editable_fields

WIDGETS = {
    "description": forms.Textarea(attrs={"rows": 6}),
    "summary": forms.Textarea(attrs={"rows": 4}),
}
HELP = {
    "opening_hours": "Syntaxe OpenStreetMap, par exemple « Mo-Fr 09:00-12:00,14:00-17:00 ».",
    "contact_consent": "Sans cet accord, le nom, le courriel et le téléphone de la personne "
    "contact restent connus des seuls modérateurs.",
}


class OwnerForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def clean_opening_hours(self):
        value = self.cleaned_data.get("opening_hours", "").strip()
        if value:
            try:
                opening_hours.parse(value)
            except opening_hours.OpeningHoursError as error:
                raise forms.ValidationError(str(error)) from error
        return value

    def changed_values(self) -> dict:
        return {name: self.cleaned_data[name] for name in editable_fields(self.instance)}


def form_field(db_field, **kwargs):
    """Addresses typed without a scheme are taken as https."""
    if isinstance(db_field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return db_field.formfield(**kwargs)


def owner_form_class(entry) -> type[OwnerForm]:
    fields = editable_fields(entry)
    return forms.modelform_factory(
        type(entry),
        form=OwnerForm,
        fields=fields,
        formfield_callback=form_field,
        widgets={name: widget for name, widget in WIDGETS.items() if name in fields},
        help_texts={name: text for name, text in HELP.items() if name in fields},
    )
