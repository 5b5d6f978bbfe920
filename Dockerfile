# carto application image: GeoDjango under gunicorn, static files served by WhiteNoise.

# Front-end libraries from the npm registry (package-lock.json), served as our static files.
FROM node:20-bookworm-slim AS vendor
WORKDIR /frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
# The same list of files as `make vendor` (a minified script goes with its source map).
COPY scripts/vendor.sh ./
RUN ./vendor.sh node_modules /vendor

FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends gdal-bin libgdal32 libgeos-c1v5 libproj25 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY carto ./carto
RUN pip install .
COPY . .
COPY --from=vendor /vendor static/vendor
# collectstatic needs settings but no database; the key is only for this build step.
# tests/test_production.py runs this very line (manifest storage, hashed names).
RUN CARTO_DEBUG=0 CARTO_SECRET_KEY=build-only python manage.py collectstatic --noinput -v 0

# /data: the downloaded boundaries (docker-compose mounts a named volume there, which
# takes this directory's owner when first created, so that `fetch_boundaries` can write).
RUN useradd --system --uid 1000 carto && mkdir -p /data && chown carto /data
USER carto
EXPOSE 8000
# Migrations run as a command (no statement timeout); gunicorn then replaces the shell, so
# that it receives the container's SIGTERM and stops gracefully. Its settings:
# gunicorn.conf.py (CARTO_BIND, GUNICORN_WORKERS, the worker timeout).
CMD ["sh", "-c", "python manage.py migrate --noinput && python manage.py populate_history --auto -v 0 && exec gunicorn carto.wsgi:application -c gunicorn.conf.py"]
