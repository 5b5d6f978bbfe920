"""The agenda's forms: registering for a session, the organiser's attendance list."""

from django import forms

from carto.contributions.propose.honeypot import HoneypotMixin


class RegistrationForm(HoneypotMixin, forms.Form):
    email = forms.EmailField(
        label="Votre courriel",
        help_text="Pour la confirmation, le rappel et l'annulation ; jamais publié.",
    )
    name = forms.CharField(
        label="Votre prénom ou un pseudonyme",
        required=False,
        max_length=120,
        help_text="Facultatif ; seul l'organisateur le voit.",
    )


class AttendanceForm(forms.Form):
    """One checkbox per confirmed registration: present or not."""

    def __init__(self, *args, registrations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.confirmed = [r for r in registrations if r.state == "confirmed"]
        for registration in self.confirmed:
            self.fields[f"present_{registration.pk}"] = forms.BooleanField(
                required=False,
                initial=bool(registration.attended),
                label=registration.name or registration.email,
            )

    def present_ids(self) -> list[int]:
        return [
            registration.pk
            for registration in self.confirmed
            if self.cleaned_data.get(f"present_{registration.pk}")
        ]
