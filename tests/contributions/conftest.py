import pytest

from carto.actors.models import Actor, Status


@pytest.fixture
def actor():
    """A published France services of the demo, placed in a commune."""
    return (
        Actor.objects.filter(status=Status.PUBLISHED, source="france_services")
        .exclude(commune_code="")
        .order_by("id")
        .first()
    )
