#!/usr/bin/env bash
# Creates carto's database with the postgis, unaccent and pg_trgm extensions.
# Connection settings come from DATABASE_URL or the PG* variables (local
# defaults: postgres@127.0.0.1:5432, trust authentication, as on the
# development and CI machines). Where password authentication is enforced (a
# stock Debian install), a local `carto` superuser is created through the
# postgres system account and its URL written to .env, which the Makefile reads.
set -euo pipefail

if [ -f .env ]; then set -a; . ./.env; set +a; fi
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGOPTIONS="${PGOPTIONS:---client-min-messages=warning}"
DB_NAME="${PGDATABASE:-carto}"
if [ -n "${DATABASE_URL:-}" ]; then
  DB_NAME="$(python3 -c 'import sys, urllib.parse as u; print(u.urlparse(sys.argv[1]).path.lstrip("/"))' "$DATABASE_URL")"
  ADMIN_URL="$(python3 -c 'import sys, urllib.parse as u; p = u.urlparse(sys.argv[1]); print(p._replace(scheme="postgresql", path="/postgres").geturl())' "$DATABASE_URL")"
  psql_admin() { psql "$ADMIN_URL" -v ON_ERROR_STOP=1 -qAt "$@"; }
  psql_db() { psql "${ADMIN_URL%/postgres}/$DB_NAME" -v ON_ERROR_STOP=1 -qAt "$@"; }
else
  export PGUSER="${PGUSER:-postgres}"
  psql_admin() { psql -d postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
  psql_db() { psql -d "$DB_NAME" -v ON_ERROR_STOP=1 -qAt "$@"; }
fi

if ! psql_admin -c 'select 1' >/dev/null 2>&1; then
  if [ -z "${DATABASE_URL:-}" ] && [ "$(id -u)" -eq 0 ] && [ ! -f .env ]; then
    echo "setup-db: ${PGUSER}@${PGHOST} refuses a password-less login; creating a local role 'carto'"
    password="$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')"
    runuser -u postgres -- psql -v ON_ERROR_STOP=1 -qAt -c \
      "do \$\$ begin if not exists (select from pg_roles where rolname = 'carto') then create role carto login superuser; end if; end \$\$;" \
      -c "alter role carto password '${password}'"
    echo "DATABASE_URL=postgis://carto:${password}@${PGHOST}:${PGPORT}/${DB_NAME}" > .env
    echo "setup-db: wrote .env (DATABASE_URL); carto reads it at start"
    exec "$0"
  fi
  echo "setup-db: cannot connect to PostgreSQL as configured (DATABASE_URL or PG* variables)" >&2
  psql_admin -c 'select 1'
  exit 1
fi

if [ "$(psql_admin -c "select count(*) from pg_database where datname = '${DB_NAME}'")" = 0 ]; then
  echo "setup-db: creating database ${DB_NAME}"
  psql_admin -c "create database \"${DB_NAME}\""
fi
psql_db -c 'create extension if not exists postgis' \
        -c 'create extension if not exists unaccent' \
        -c 'create extension if not exists pg_trgm'
