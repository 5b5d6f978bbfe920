"""The honeypot of the contribution forms (django-honeypot declares Django < 5.2: this is
its idea in a few lines).

A text input with an innocuous name that a person never sees nor reaches: moved off
screen by contributions.css (no inline style: the CSP forbids it), hidden from assistive
technologies (aria-hidden on its wrapper), out of the tab order (tabindex=-1) and of the
browser's autofill (autocomplete=off, a name no autofill knows). A robot filling every
field fills it too: `guards.protected_write` then answers like a success and writes
nothing, so that the robot learns nothing either.
"""

from django import forms

FIELD = "reference_dossier"


def is_filled(data) -> bool:
    return bool((data.get(FIELD) or "").strip())


class HoneypotMixin(forms.Form):
    """Adds the honeypot field, rendered by templates/contributions/propose/_piege.html."""

    reference_dossier = forms.CharField(
        label="Laissez ce champ vide",
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def clean_reference_dossier(self):
        # The guard answered before; a form validated elsewhere still refuses a filled one.
        if self.cleaned_data.get(FIELD):
            raise forms.ValidationError("ce champ doit rester vide.")
        return ""
