# carto application image: GeoDjango under gunicorn, static files served by WhiteNoise.

# Front-end libraries from the npm registry (package-lock.json), served as our static files.
FROM node:20-bookworm-slim AS vendor
WORKDIR /frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error \
    && mkdir -p /vendor/markercluster \
    && cp node_modules/leaflet.markercluster/dist/leaflet.markercluster.js \
          node_modules/leaflet.markercluster/dist/MarkerCluster.css \
          node_modules/leaflet.markercluster/dist/MarkerCluster.Default.css \
          node_modules/leaflet.markercluster/MIT-LICENCE.txt /vendor/markercluster/

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
RUN CARTO_DEBUG=0 CARTO_SECRET_KEY=build-only python manage.py collectstatic --noinput -v 0

RUN useradd --system --uid 1000 carto
USER carto
EXPOSE 8000
CMD ["sh", "-c", "python manage.py migrate --noinput && gunicorn carto.wsgi:application --bind 0.0.0.0:8000 --workers ${GUNICORN_WORKERS:-3} --access-logfile -"]
