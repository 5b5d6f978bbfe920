from django.apps import AppConfig


class LayersConfig(AppConfig):
    """Everything drawn on a map: the map page, the widget, tiles (arrives with the map issue)."""

    name = "carto.layers"
    label = "layers"
    verbose_name = "Couches cartographiques"
