"""Erase a person from carto (right to erasure): entries, proposals, owners' links and
every historical version.

Design choices:
- A field that holds one identifier (a contact person's or an entry's e-mail or phone,
  a proposer's name or e-mail, an owner's e-mail) is emptied when it matches exactly
  (e-mails without regard to case, phones by their digits whatever the separators or a
  +33 prefix), and with it the rest of that person's row (the contact's name, the
  proposer's name), even when no name was given; in free text (descriptions, « personnes mobilisées », proposals'
  messages and proposed values) the e-mail and the phone are replaced by « [effacé] »,
  and the name too in « personnes mobilisées ».
- Live entries are changed through `save_checked` (a new version says that personal data
  was erased, and holds none); then every historical row of actors and initiatives is
  rewritten in place: a past version must not keep what the present one dropped.
- What was done is logged (logger « carto.privacy ») and appended as a JSON line to
  settings.CARTO_PRIVACY_LOG: the date, a SHA-256 of each normalised identifier (so that
  an erasure can be shown to have happened without keeping whom it concerned) and the
  count of rows changed per table. A dry run changes nothing and writes no record.
"""

import hashlib
import json
import logging
import re
from pathlib import Path

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Cast
from django.utils import timezone

from carto.actors.models import Actor, Initiative
from carto.contributions.models import OwnerLink, Proposal
from carto.contributions.services import PROTECTED, save_checked

logger = logging.getLogger("carto.privacy")

ERASED = "[effacé]"
REASON = "effacement de données personnelles"
EXACT_EMAIL = {"email", "contact_email", "proposer_email"}
EXACT_PHONE = {"phone", "contact_phone"}
EXACT_NAME = {"contact_name", "proposer_name"}
NAME_IN_TEXT = {"people"}
# When one of these is the person's, so are the others of the same row (their own name).
SAME_PERSON = {
    "contact_email": ["contact_name", "contact_phone"],
    "contact_phone": ["contact_name", "contact_email"],
    "proposer_email": ["proposer_name"],
}
# Identifiers and codes: no personal data to look for there.
SKIPPED = {"source", "source_id", "name_key", "token_hash", "history_type", "status"}
SEPARATOR = "[ .-]?"


def national_digits(phone: str) -> str:
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("0033"):
        return "0" + digits[4:]
    if digits.startswith("33") and len(digits) == 11:
        return "0" + digits[2:]
    return digits


def phone_pattern(phone: str) -> str:
    """A regular expression (Python and PostgreSQL alike) for the number as people write it."""
    digits = national_digits(phone)
    if len(digits) == 10 and digits.startswith("0"):
        return r"(\+33|0033|0)" + SEPARATOR + SEPARATOR.join(digits[1:])
    return r"\+?" + SEPARATOR.join(digits)


class Person:
    def __init__(self, email: str, name: str = "", phone: str = ""):
        self.email = email.strip().lower()
        self.name = " ".join(name.split())
        self.phone = phone.strip()
        pattern = phone_pattern(self.phone) if self.phone else ""
        self.phone_in_text = f"(?<![0-9]){pattern}(?![0-9])" if pattern else ""
        # The address alone, not inside a longer one (« anne.marie@… » is not « marie@… »).
        self.email_re = re.compile(
            rf"(?<![\w.+-]){re.escape(self.email)}(?![\w-]|\.\w)", re.IGNORECASE
        )
        self.phone_re = re.compile(self.phone_in_text) if pattern else None
        name = r"\s+".join(re.escape(part) for part in self.name.split())
        self.name_re = re.compile(rf"(?<!\w){name}(?!\w)", re.IGNORECASE) if name else None

    def hashes(self) -> dict:
        values = {
            "email": self.email,
            "name": self.name.casefold(),
            "phone": national_digits(self.phone),
        }
        return {k: hashlib.sha256(v.encode()).hexdigest() for k, v in values.items() if v}

    def mentioned(self, value: str) -> bool:
        return bool(self.email_re.search(value) or (self.phone_re and self.phone_re.search(value)))

    def clean(self, field: str, value):
        """`value` of `field` without the person: emptied, or the mentions replaced."""
        if isinstance(value, list):
            return [self.clean(field, item) for item in value]
        if isinstance(value, dict):
            return {key: self.clean(key, item) for key, item in value.items()}
        if not isinstance(value, str) or not value:
            return value
        if field in EXACT_EMAIL | EXACT_PHONE and self.mentioned(value):
            return ""
        if field in EXACT_NAME and self.name and value.strip().casefold() == self.name.casefold():
            return ""
        value = self.email_re.sub(ERASED, value)
        if self.phone_re:
            value = self.phone_re.sub(ERASED, value)
        if field in NAME_IN_TEXT and self.name_re:
            value = self.name_re.sub(ERASED, value)
        return value

    def lookup(self, model) -> tuple[dict, Q]:
        """Annotations and a condition that find, in the database, every row of `model`
        that may mention the person (the Python side then decides, field by field)."""
        annotations, condition = {}, Q()
        for field in searched_fields(model):
            name = field.name
            if not isinstance(field, models.CharField | models.TextField):
                name = f"{field.name}_as_text"
                annotations[name] = Cast(field.name, models.TextField())
            condition |= Q(**{f"{name}__icontains": self.email})
            if self.phone_in_text:
                condition |= Q(**{f"{name}__regex": self.phone_in_text})
            if self.name and field.name in EXACT_NAME:
                condition |= Q(**{f"{name}__iexact": self.name})
            if self.name and field.name in NAME_IN_TEXT:
                condition |= Q(**{f"{name}__icontains": self.name})
        return annotations, condition


def searched_fields(model) -> list:
    """Text, lists of text and JSON: where a person's name, e-mail or phone may be."""
    return [
        field
        for field in model._meta.concrete_fields
        if field.name not in SKIPPED
        and not field.choices
        and (
            isinstance(field, models.CharField | models.TextField | models.JSONField)
            or (isinstance(field, ArrayField) and isinstance(field.base_field, models.CharField))
        )
    ]


def changes_of(row, person: Person, fields) -> dict:
    changes = {}
    for field in fields:
        value = getattr(row, field.name)
        cleaned = person.clean(field.name, value)
        if cleaned != value:
            changes[field.name] = cleaned
    names = {field.name for field in fields}
    for field, siblings in SAME_PERSON.items():
        if changes.get(field) == "":
            changes.update({name: "" for name in siblings if name in names and getattr(row, name)})
    return changes


def matching(model, person: Person):
    annotations, condition = person.lookup(model)
    return model.objects.annotate(**annotations).filter(condition).order_by("pk")


def erase_entries(model, person: Person) -> int:
    """Live actors or initiatives, through the checked save (a version of its own)."""
    fields = [f for f in searched_fields(model) if f.name not in PROTECTED]
    count = 0
    for entry in matching(model, person):
        changes = changes_of(entry, person, fields)
        if not changes:
            continue
        if model is Actor and any(name.startswith("contact_") for name in changes):
            changes["contact_consent"] = False
        save_checked(entry, entry.version, changes, None, REASON)
        count += 1
    return count


def erase_rows(model, person: Person, **extra) -> int:
    """Any other table (historical versions, proposals, links): rows rewritten in place."""
    fields = searched_fields(model)
    count = 0
    for row in matching(model, person):
        changes = changes_of(row, person, fields)
        if changes:
            model.objects.filter(pk=row.pk).update(**changes, **extra)
            count += 1
    return count


def erase(person: Person) -> dict:
    """Erase the person everywhere; the number of rows changed, by table."""
    return {
        Actor._meta.db_table: erase_entries(Actor, person),
        Initiative._meta.db_table: erase_entries(Initiative, person),
        Actor.history.model._meta.db_table: erase_rows(Actor.history.model, person),
        Initiative.history.model._meta.db_table: erase_rows(Initiative.history.model, person),
        Proposal._meta.db_table: erase_rows(Proposal, person),
        # A link sent to this person is of no use to anyone else: revoked as well.
        OwnerLink._meta.db_table: erase_rows(OwnerLink, person, revoked_at=timezone.now()),
    }


def privacy_log_path() -> Path:
    configured = getattr(settings, "CARTO_PRIVACY_LOG", None)
    return Path(configured) if configured else Path(settings.BASE_DIR) / "var" / "privacy.log"


def write_record(person: Person, counts: dict) -> dict:
    record = {
        "date": timezone.now().isoformat(),
        "action": "erase_person",
        "identifiers_sha256": person.hashes(),
        "counts": counts,
    }
    path = privacy_log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as log:
        log.write(json.dumps(record, ensure_ascii=False) + "\n")
    return record


class Command(BaseCommand):
    help = (
        "Efface une personne (courriel, et si donnés nom et téléphone) des fiches, "
        "propositions, liens de propriétaire et de tout l’historique."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True, help="Courriel de la personne.")
        parser.add_argument("--name", default="", help="Nom, tel qu’écrit (casse indifférente).")
        parser.add_argument("--phone", default="", help="Téléphone, séparateurs indifférents.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Compter sans rien modifier ni consigner."
        )

    def handle(self, *args, email, name, phone, dry_run, **options):
        if "@" not in email or len(email.strip()) < 3:
            raise CommandError(f"--email : « {email} » n’est pas une adresse électronique")
        if phone and len(re.sub(r"\D", "", phone)) < 6:
            raise CommandError(f"--phone : « {phone} » n’a pas assez de chiffres")
        person = Person(email, name, phone)
        with transaction.atomic():
            counts = erase(person)
            if dry_run:
                transaction.set_rollback(True)
        total = sum(counts.values())
        for table, count in counts.items():
            self.stdout.write(f"  {table} : {count} ligne(s)")
        if dry_run:
            self.stdout.write(f"Simulation : {total} ligne(s) seraient modifiées, rien n’a changé.")
            logger.info("erase_person (simulation) %s", json.dumps(counts))
            return
        record = write_record(person, counts)
        logger.info("erase_person %s", json.dumps(record, ensure_ascii=False))
        self.stdout.write(self.style.SUCCESS(f"Effacé : {total} ligne(s) modifiée(s)."))
