#!/usr/bin/env bash
# Copies the front-end libraries carto serves as its own static files out of an
# installed node_modules (npm ci in frontend/). One list of files for the Makefile's
# `vendor` target and the Dockerfile's vendor stage.
#
#   scripts/vendor.sh <node_modules dir> <dest dir>
#
# A minified script's source map goes with it: the production static storage
# (ManifestStaticFilesStorage) rewrites `sourceMappingURL` to the map's hashed name
# and fails collectstatic when the map is missing.
set -euo pipefail

if [ "$#" -ne 2 ]; then
  echo "usage: $0 <node_modules dir> <dest dir>" >&2
  exit 2
fi
modules="$1"
dest="$2"

markercluster="$modules/leaflet.markercluster"
rm -rf "$dest/markercluster"
mkdir -p "$dest/markercluster"
install -m 0644 "$markercluster/dist/leaflet.markercluster.js" \
   "$markercluster/dist/leaflet.markercluster.js.map" \
   "$markercluster/dist/MarkerCluster.css" \
   "$markercluster/dist/MarkerCluster.Default.css" \
   "$markercluster/MIT-LICENCE.txt" \
   "$dest/markercluster/"

# protomaps-leaflet: the actors' vector tiles drawn on canvas (no WebGL), loaded by
# static/carto/modules/tiles.js only when the map switches to tiles. Its standalone build
# (the global `protomapsL`) bundles its dependencies.
protomaps="$modules/protomaps-leaflet"
rm -rf "$dest/protomaps-leaflet"
mkdir -p "$dest/protomaps-leaflet"
install -m 0644 "$protomaps/dist/protomaps-leaflet.js" \
   "$protomaps/dist/protomaps-leaflet.js.map" \
   "$protomaps/LICENSE" \
   "$dest/protomaps-leaflet/"
