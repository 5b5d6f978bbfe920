"""What the agenda adds to other apps' pages (a territory's sheet), without those apps
importing it: `{% load agenda %}{% relays territory %}`."""

from django import template

from .. import videos
from ..catalogue import relays_of

register = template.Library()


@register.inclusion_tag("agenda/_relais.html")
def relays(territory):
    """The relays and facilitators of this territory."""
    return {"relays": list(relays_of(territory.kind, territory.code))}


@register.inclusion_tag("agenda/_video.html")
def video(url, title=""):
    """A video link, with « Lire la vidéo ici » for the known players (loaded on click)."""
    return {"url": url, "player": videos.player(url), "title": title}
