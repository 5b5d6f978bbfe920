"""Form fields of the contribution forms: what a visitor types, checked with messages in
French that say what is wrong (the error summary adds the field's label before them).

Caps: text lengths come from the models' max_length; free texts (TextField) are capped
at MAX_TEXT; lists (keywords, partners…) at MAX_ITEMS; links at MAX_LINKS; themes at
MAX_THEMES. No `maxlength` attribute reaches the browser: it would cut a pasted text
silently, where the server says how long it is and keeps all of it in the field.
The fields that name a place are in `place_fields`.
"""

import re

from django import forms
from django.core.validators import MaxLengthValidator, URLValidator

from carto.actors import opening_hours

MAX_TEXT = 5000
MAX_ITEMS = 20
MAX_LINKS = 10
MAX_THEMES = 5

TOO_LONG = "%(limit_value)d caractères au plus (actuellement %(show_value)d)."


def capped(field: forms.Field, limit: int = MAX_TEXT) -> forms.Field:
    """A free text field with the free-text cap (its message says by how much)."""
    field.validators.append(MaxLengthValidator(limit, message=TOO_LONG))
    return field


def free_text(label: str, help_text: str = "", rows: int = 4) -> forms.CharField:
    return capped(
        forms.CharField(
            label=label,
            required=False,
            help_text=help_text,
            widget=forms.Textarea(attrs={"rows": rows}),
        )
    )


class WebURLField(forms.URLField):
    """An http(s) address only (no javascript:, ftp: or file:); https assumed when none."""

    default_validators = [URLValidator(schemes=["http", "https"])]
    default_error_messages = {
        "invalid": "adresse web invalide : elle doit commencer par http:// ou https://.",
        "max_length": TOO_LONG,
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("assume_scheme", "https")
        kwargs.setdefault("max_length", 500)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("inputmode", "url")


class PhoneField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.input_type = "tel"

    def validate(self, value):
        super().validate(value)
        if value and not re.fullmatch(r"\+?[0-9 .()\-]{6,40}", value):
            raise forms.ValidationError(
                "numéro de téléphone invalide : chiffres, espaces, points, tirets "
                "et « + » seulement (par exemple 03 21 00 00 00).",
                code="phone",
            )


class HoursField(forms.CharField):
    """OSM opening_hours, checked by the library; the stored value is the one it read."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 500)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        try:
            return opening_hours.parse(value).value
        except opening_hours.OpeningHoursError as exc:
            raise forms.ValidationError(
                f"horaires non reconnus ({exc}). Exemple : Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00",
                code="hours",
            ) from None


class LinesField(forms.CharField):
    """A list typed one item a line (and, with `commas`, separated by commas too)."""

    widget = forms.Textarea(attrs={"rows": 3})

    def __init__(self, *, item_length: int, max_items: int = MAX_ITEMS, commas=False, **kwargs):
        self.item_length, self.max_items, self.commas = item_length, max_items, commas
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value):
        text = super().to_python(value)
        pattern = r"[\n,;]" if self.commas else r"\n"
        return [item.strip() for item in re.split(pattern, text) if item.strip()]

    def validate(self, value):
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        if len(value) > self.max_items:
            raise forms.ValidationError(
                f"{len(value)} éléments : {self.max_items} au plus.", code="max_items"
            )
        for item in value:
            if len(item) > self.item_length:
                raise forms.ValidationError(
                    f"« {item[:40]}… » : {self.item_length} caractères au plus par ligne "
                    f"(actuellement {len(item)}).",
                    code="item_length",
                )

    def run_validators(self, value):
        for item in value:
            super().run_validators(item)


class LinksField(LinesField):
    """Web addresses, one a line, http(s) only."""

    def __init__(self, **kwargs):
        super().__init__(item_length=500, max_items=MAX_LINKS, **kwargs)
        self.url = WebURLField()

    def validate(self, value):
        super().validate(value)
        for link in value:
            try:
                self.url.clean(link)
            except forms.ValidationError:
                raise forms.ValidationError(
                    f"« {link[:60]} » n’est pas une adresse web : chaque ligne doit "
                    "commencer par http:// ou https://.",
                    code="invalid_link",
                ) from None

    def clean(self, value):
        return [self.url.clean(link) for link in super().clean(value)]


class TermsField(forms.MultipleChoiceField):
    """Taxonomy terms as checkboxes (choices set by the form from the database), at most
    `max_choices` of them."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, *, max_choices: int | None = None, **kwargs):
        self.max_choices = max_choices
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        if self.max_choices and len(value) > self.max_choices:
            raise forms.ValidationError(
                f"{len(value)} cochés : {self.max_choices} au plus, les plus importants.",
                code="max_choices",
            )


def drop_maxlength(form: forms.BaseForm) -> None:
    """No `maxlength` in the page: the browser would cut a pasted text without a word."""
    for field in form.fields.values():
        field.widget.attrs.pop("maxlength", None)
