"""The agenda's periodic jobs on the task queue (procrastinate, run by the same worker as
the coverage: `python manage.py procrastinate worker`, which also defers periodic tasks).

- every quarter of an hour: the reminders of the sessions starting within
  CARTO_AGENDA_REMINDER_HOURS (each participant once: `reminded_at` is claimed first);
- every night: recurrences expanded up to the moving horizon."""

from procrastinate.contrib.django import app

QUEUE = "agenda"


@app.periodic(cron="*/15 * * * *", periodic_id="agenda-reminders")
@app.task(queue=QUEUE, name="agenda.send_reminders", queueing_lock="agenda.send_reminders")
def send_reminders(timestamp: int) -> int:
    from .services import send_reminders as send

    return send()


@app.periodic(cron="17 3 * * *", periodic_id="agenda-horizon")
@app.task(queue=QUEUE, name="agenda.extend_horizon", queueing_lock="agenda.extend_horizon")
def extend_horizon(timestamp: int) -> int:
    from .services import extend_horizon as extend

    return extend()
