"""Signals of the directory: readers (planning) refresh what they derive from it.

`directory_changed` is sent after an import wrote actors (not on a dry run) and after the
territory codes of every record were recomputed (territories re-imported): a reader
listens to it alone, so it always comes after the directory's own work, whatever the
order of the apps."""

from django.dispatch import Signal

directory_changed = Signal()
