"""The planning's jobs on the task queue (procrastinate, in PostgreSQL: no other server).

`refresh_coverage` keeps the derived data of the directory in step: the precomputed
coverage (carto/planning/precompute.py) and, where the changed actors stood or stand, the
cells of the actor tiles (carto/layers/tiles/aggregates.py; all of them after a full
pass).
It is deferred once the transactions that changed actors or territories commit
(services.schedule_refresh), with a queueing lock: a burst of commits queues one job, and
a commit while a job runs queues the next one, which takes the changes the running one
did not see. Run by `python manage.py procrastinate worker`."""

from procrastinate.contrib.django import app

QUEUE = "coverage"


@app.task(queue=QUEUE, name="planning.refresh_coverage")
def refresh_coverage(full: bool = False) -> str:
    from .services import refresh_derived

    return refresh_derived(full=full).line()
