"""Video players that load only when the visitor asks.

A testimony's video link stays a plain link; for the hosts below the page also offers
« Lire la vidéo ici »: only that click creates the player's frame (static/carto/videos.js),
so no request reaches the video's site, and no tracker is set, before it. The player's
address is derived here from an allow-list of hosts and strict identifier patterns, never
copied from the link, and the page's Content-Security-Policy allows framing exactly the
players it shows (`frame_sources`).

Hosts: YouTube through its privacy-enhanced domain (youtube-nocookie.com), Vimeo with
« do not track », Dailymotion, and any PeerTube instance (the federated, ad-free host many
associations use), recognised by its /w/ or /videos/watch/ paths.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
VIMEO_ID = re.compile(r"^[0-9]{4,12}$")
DAILYMOTION_ID = re.compile(r"^x[A-Za-z0-9]{4,12}$")
PEERTUBE_PATH = re.compile(r"^/(?:w|videos/watch)/([A-Za-z0-9-]{6,40})/?$")
HOSTNAME = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")

YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "youtu.be"}
VIMEO_HOSTS = {"vimeo.com", "www.vimeo.com"}
DAILYMOTION_HOSTS = {"dailymotion.com", "www.dailymotion.com", "dai.ly"}


@dataclass(frozen=True)
class Player:
    src: str  # the frame's address
    site: str  # who serves it, said to the visitor before the click

    @property
    def origin(self) -> str:
        parts = urlsplit(self.src)
        return f"{parts.scheme}://{parts.netloc}"


def _youtube(host: str, path: str, query: str) -> str | None:
    if host == "youtu.be":
        candidate = path.strip("/")
    elif path == "/watch":
        candidate = (parse_qs(query).get("v") or [""])[0]
    else:
        match = re.match(r"^/(?:embed|shorts|live)/([^/]+)/?$", path)
        candidate = match.group(1) if match else ""
    return candidate if YOUTUBE_ID.match(candidate) else None


def player(url: str) -> Player | None:
    """The player for a video link, or None when its host or its form is not known."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or parts.port not in (None, 443, 80):
        return None
    path = parts.path
    if host in YOUTUBE_HOSTS:
        video = _youtube(host, path, parts.query)
        if video:
            return Player(f"https://www.youtube-nocookie.com/embed/{video}", "YouTube")
        return None
    if host in VIMEO_HOSTS:
        video = path.strip("/")
        if VIMEO_ID.match(video):
            return Player(f"https://player.vimeo.com/video/{video}?dnt=1", "Vimeo")
        return None
    if host in DAILYMOTION_HOSTS:
        video = path.strip("/") if host == "dai.ly" else path.removeprefix("/video/").strip("/")
        video = video.split("_", 1)[0]  # « x8abc12_titre-de-la-video »
        if DAILYMOTION_ID.match(video):
            return Player(f"https://geo.dailymotion.com/player.html?video={video}", "Dailymotion")
        return None
    match = PEERTUBE_PATH.match(path)
    if match and parts.scheme == "https" and HOSTNAME.match(host):
        return Player(f"https://{host}/videos/embed/{match.group(1)}", f"PeerTube ({host})")
    return None


def frame_sources(urls) -> list[str]:
    """The origins a page must allow in `frame-src` to play these videos, sorted."""
    return sorted({found.origin for url in urls if url and (found := player(url))})
