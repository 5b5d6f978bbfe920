"""Opening hours in the OpenStreetMap ``opening_hours`` syntax, evaluated by ``opening-hours-py``.

Design choice: an actor stores its hours as one OSM ``opening_hours`` string
(https://wiki.openstreetmap.org/wiki/Key:opening_hours), the format of OSM and of the
data·inclusion schema, so that hours travel to and from them unchanged. Every valid
value is accepted (months, weeks, ``Mo[1]``, ``PH +1 day``, ``SH``, ``sunrise``, ``||``…)
and evaluated by the library; carto keeps only what it lacks:

- ``evaluation``: the French public and school holidays compiled into the value, the
  French error messages, the questions carto asks (``is_open``, ``next_change``, the
  ``segments`` of a period, the ``day_hours`` a tour uses);
- ``week``: a value's week, read back through the library, and ``describe_fr``;
- ``france_services``: the France services conversion.
"""

from .evaluation import (
    CLOSED,
    OPEN,
    UNKNOWN,
    DayHours,
    Hours,
    OpeningHoursError,
    Segment,
    day_hours,
    is_open,
    next_change,
    parse,
    segments,
)
from .france_services import (
    APPOINTMENT_COMMENT,
    FRANCE_SERVICES_DAY_COLUMNS,
    Conversion,
    from_france_services,
)
from .week import Day, Schedule, describe_fr, read_week, write_week

__all__ = [
    "APPOINTMENT_COMMENT",
    "CLOSED",
    "FRANCE_SERVICES_DAY_COLUMNS",
    "OPEN",
    "UNKNOWN",
    "Conversion",
    "Day",
    "DayHours",
    "Hours",
    "OpeningHoursError",
    "Schedule",
    "Segment",
    "day_hours",
    "describe_fr",
    "from_france_services",
    "is_open",
    "next_change",
    "parse",
    "read_week",
    "segments",
    "write_week",
]
