"""Signals of the territories app: readers of the geography (the directory) listen
to recompute what they derived from it, without territories depending on them."""

from django.dispatch import Signal

# Sent after an import that wrote territories (not on a dry run): kwargs `summary`.
territories_imported = Signal()
