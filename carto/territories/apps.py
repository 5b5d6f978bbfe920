from django.apps import AppConfig


class TerritoriesConfig(AppConfig):
    name = "carto.territories"
    label = "territories"
    verbose_name = "Territoires de référence"
