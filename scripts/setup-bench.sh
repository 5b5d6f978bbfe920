#!/usr/bin/env bash
# Installs the Debian packages `make bench` needs, only those that are missing:
# wrk (the HTTP load), MapServer 8 (the peer server: mapserver-bin, cgi-mapserver),
# spawn-fcgi (runs mapserv as 2 FastCGI processes, as gunicorn runs 2 workers) and
# lighttpd (the HTTP front of those processes, with its gzip module as carto gzips its
# responses). Idempotent: a second run only checks.
#
# The benchmark starts lighttpd itself, with its own configuration, on a free port:
# the system service the package installs is not used. Where the package starts it
# (a machine with systemd), it is stopped and disabled again, once, when installed.
set -euo pipefail

PACKAGES=(wrk mapserver-bin cgi-mapserver spawn-fcgi lighttpd lighttpd-mod-deflate)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "setup-bench: '$*' needs root and sudo is not available" >&2; exit 1
  fi
}

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

missing=()
for pkg in "${PACKAGES[@]}"; do
  installed "$pkg" || missing+=("$pkg")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup-bench: installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  if [[ " ${missing[*]} " == *" lighttpd "* ]] && command -v systemctl >/dev/null \
    && systemctl is-active --quiet lighttpd 2>/dev/null; then
    echo "setup-bench: the benchmark runs its own lighttpd; stopping the system service"
    as_root systemctl disable --now lighttpd >/dev/null 2>&1 || true
  fi
fi

for binary in wrk spawn-fcgi /usr/lib/cgi-bin/mapserv; do
  if ! command -v "$binary" >/dev/null; then
    echo "setup-bench: $binary not found after installing ${PACKAGES[*]}" >&2; exit 1
  fi
done
if ! command -v lighttpd >/dev/null && [ ! -x /usr/sbin/lighttpd ]; then
  echo "setup-bench: lighttpd not found after installing it" >&2; exit 1
fi
