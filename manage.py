#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carto.settings")
    if sys.argv[1:2] == ["runserver"]:
        # Serving requests: the web role's bounds apply (see CARTO_ROLE in carto/settings.py).
        os.environ.setdefault("CARTO_ROLE", "web")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
