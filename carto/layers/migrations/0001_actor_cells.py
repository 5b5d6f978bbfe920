"""The precomputed aggregates of the actor tiles (carto/layers/models.py ActorCell), filled by
carto.layers.tiles.aggregates.refresh_actor_aggregates (`manage.py refresh_tiles`)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("actors", "0008_published_actors_located"),
    ]

    operations = [
        migrations.CreateModel(
            name='ActorCell',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('zoom', models.PositiveSmallIntegerField(help_text='Zoom des tuiles que la cellule sert.')),
                ('x', models.IntegerField(help_text='Colonne de la cellule (grille 8 × 8 par tuile).')),
                ('y', models.IntegerField(help_text='Ligne de la cellule.')),
                ('tile_x', models.IntegerField()),
                ('tile_y', models.IntegerField()),
                ('commune_code', models.CharField(blank=True, max_length=5)),
                ('kind', models.CharField(max_length=60)),
                ('host_only', models.BooleanField()),
                ('facet', models.CharField(blank=True, help_text='« theme:<slug> », « public:<slug> », ou vide.', max_length=70)),
                ('count', models.IntegerField()),
                ('sum_x', models.FloatField(help_text='Somme des x web-mercator (EPSG:3857) des acteurs.')),
                ('sum_y', models.FloatField()),
                ('first_id', models.BigIntegerField(help_text='Le plus petit identifiant d’acteur.')),
            ],
            options={
                'verbose_name': 'cellule d’agrégats d’acteurs',
                'indexes': [models.Index(fields=['zoom', 'facet', 'tile_x', 'tile_y'], name='actorcell_tile'), models.Index(fields=['zoom', 'x', 'y'], name='actorcell_cell'), models.Index(condition=models.Q(('zoom', 11)), fields=['commune_code'], name='actorcell_commune')],
            },
        ),
    ]
