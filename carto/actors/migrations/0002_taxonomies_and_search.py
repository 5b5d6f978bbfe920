"""The taxonomy rows (from carto/actors/taxonomy.py) and French full-text search
(configuration carto_fr and the triggers of sql/search.sql)."""

from django.db import migrations

from carto.actors.sql import read_sql


def load_taxonomies(apps, schema_editor):
    from carto.actors.taxonomy import KINDS, PUBLICS, THEMES

    for model_name, terms in (("ActorKind", KINDS), ("Theme", THEMES), ("Public", PUBLICS)):
        model = apps.get_model("actors", model_name)
        for position, term in enumerate(terms):
            defaults = {"label": term.label, "position": position}
            if model_name == "ActorKind":
                defaults["typology"] = term.typology
            model.objects.update_or_create(slug=term.slug, defaults=defaults)


class Migration(migrations.Migration):
    dependencies = [("actors", "0001_initial"), ("territories", "0002_territory_feature_sql")]

    operations = [
        migrations.RunPython(load_taxonomies, migrations.RunPython.noop),
        migrations.RunSQL(
            read_sql("search.sql"),
            reverse_sql=(
                "DROP TRIGGER IF EXISTS actor_search_update ON actors_actor;"
                "DROP TRIGGER IF EXISTS initiative_search_update ON actors_initiative;"
                "DROP FUNCTION IF EXISTS carto_actor_search(); DROP FUNCTION IF EXISTS carto_initiative_search();"
                "DROP FUNCTION IF EXISTS carto_actor_search_name(text),"
                " carto_actor_search_place(text, text[], text), carto_actor_search_text(text, text);"
                "DROP TEXT SEARCH CONFIGURATION IF EXISTS carto_fr;"
            ),
        ),
    ]
