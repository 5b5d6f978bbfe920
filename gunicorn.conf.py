"""gunicorn's settings for carto's web role, from the environment.

gunicorn reads this file from its working directory (the Dockerfile's CMD names it):
    gunicorn carto.wsgi:application -c gunicorn.conf.py
"""

import os

bind = os.environ.get("CARTO_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))

# A worker silent for `timeout` seconds is killed and its request lost. carto.wsgi gives
# the web role a PostgreSQL statement_timeout below it (CARTO_WEB_STATEMENT_TIMEOUT_MS,
# 20 s by default, carto/settings.py), so that a slow query is cancelled and answered
# 503 instead: keep the two in this order.
timeout = 30
_statement_timeout_ms = int(os.environ.get("CARTO_WEB_STATEMENT_TIMEOUT_MS") or 0)
if _statement_timeout_ms >= timeout * 1000:
    raise RuntimeError(
        f"CARTO_WEB_STATEMENT_TIMEOUT_MS={_statement_timeout_ms} must stay below "
        f"gunicorn's worker timeout ({timeout} s)"
    )

# One line a request on stdout, beside the errors on stderr (the container's logs).
accesslog = "-"
