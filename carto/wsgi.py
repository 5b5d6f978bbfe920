"""The WSGI entry point (gunicorn): a process that serves requests has the web role,
whose bounds (a statement timeout below the worker's) the settings apply."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carto.settings")
os.environ.setdefault("CARTO_ROLE", "web")
application = get_wsgi_application()
