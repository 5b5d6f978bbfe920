#!/usr/bin/env bash
# Installs the Debian packages carto needs, only those that are missing, and
# makes sure a PostgreSQL cluster is running. Idempotent: a second run only checks.
set -euo pipefail

PG_VERSION="${CARTO_PG_VERSION:-15}"
PACKAGES=(
  "postgresql-${PG_VERSION}" "postgresql-${PG_VERSION}-postgis-3" postgresql-client
  gdal-bin libgdal32 libgeos-c1v5 libproj25
  python3-venv
  npm
)
# `setup-system.sh --browser` adds Debian's Chromium, driven by the browser tests.
if [ "${1:-}" = "--browser" ]; then PACKAGES+=(chromium); fi

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "setup-system: '$*' needs root and sudo is not available" >&2; exit 1
  fi
}

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

missing=()
for pkg in "${PACKAGES[@]}"; do
  # python3-venv is only needed where the python3 on PATH cannot make a venv.
  if [ "$pkg" = python3-venv ] && python3 -c 'import ensurepip, venv' 2>/dev/null; then continue; fi
  # npm may come with a Node.js installed outside Debian's packages.
  if [ "$pkg" = npm ] && command -v npm >/dev/null; then continue; fi
  if [ "$pkg" = chromium ] && [ -x /usr/bin/chromium ]; then continue; fi
  installed "$pkg" || missing+=("$pkg")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup-system: installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# A cluster must exist and run. Debian creates "main" when it installs the server.
if ! command -v pg_lsclusters >/dev/null; then
  echo "setup-system: pg_lsclusters not found after installing postgresql-common" >&2; exit 1
fi
if [ -z "$(pg_lsclusters -h | awk -v v="$PG_VERSION" '$1 == v')" ]; then
  echo "setup-system: creating PostgreSQL ${PG_VERSION} cluster main"
  as_root pg_createcluster "$PG_VERSION" main
fi
if pg_lsclusters -h | awk -v v="$PG_VERSION" '$1 == v && $2 == "main" && $4 != "online" {found=1} END {exit !found}'; then
  echo "setup-system: starting PostgreSQL ${PG_VERSION}/main"
  as_root pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" main start
fi
for _ in $(seq 1 30); do
  pg_isready -q -h "${PGHOST:-127.0.0.1}" -p "${PGPORT:-5432}" && exit 0
  sleep 1
done
echo "setup-system: PostgreSQL does not answer on ${PGHOST:-127.0.0.1}:${PGPORT:-5432}" >&2
exit 1
