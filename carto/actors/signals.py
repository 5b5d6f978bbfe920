"""Signals of the directory: readers (planning) refresh what they derive from it."""

from django.dispatch import Signal

# Sent after an import wrote actors (not on a dry run).
directory_changed = Signal()
