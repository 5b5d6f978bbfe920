"""Template filters of the map pages."""

from django import template

from carto.actors import opening_hours

register = template.Library()


@register.filter
def hours_fr(value: str) -> str:
    """OSM opening hours in French words (« du lundi au vendredi : 9 h – 12 h »), else as written."""
    if not value:
        return ""
    try:
        return " ; ".join(opening_hours.describe_fr(value))
    except opening_hours.OpeningHoursError:
        return value
