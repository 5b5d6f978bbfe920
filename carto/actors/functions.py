"""The SQL functions of sql/features.sql as ORM expressions (a single item: OGC's `items/<id>`).

The collections (/api/v1/actors/, /initiatives/, OGC items) build their Features inside
their page statement instead (carto/actors/api/pages.py): carto_actor_feature, which
PostgreSQL cannot inline (its sub-selects), cost four times as much a row there."""

from django.db.models import FloatField, Func, TextField, Value
from django.db.models.functions import Cast, Coalesce


def _distance(expression) -> Func:
    return Cast(expression if expression is not None else Value(None), FloatField())


class ActorFeature(Func):
    """The current actor row as a GeoJSON Feature (text), with `distance_m` when near."""

    function = "carto_actor_feature"
    template = '%(function)s("actors_actor", %(expressions)s)'
    output_field = TextField()

    def __init__(self, distance=None):
        super().__init__(_distance(distance))


class InitiativeFeature(Func):
    function = "carto_initiative_feature"
    template = '%(function)s("actors_initiative", %(expressions)s)'
    output_field = TextField()

    def __init__(self, tolerance: float = 0.0, distance=None):
        super().__init__(Cast(Value(float(tolerance)), FloatField()), _distance(distance))


__all__ = ["ActorFeature", "Coalesce", "InitiativeFeature"]
