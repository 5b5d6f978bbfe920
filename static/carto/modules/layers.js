/* The map's layers other than the actors: the basemap (and what to do when its tiles cannot
 * be reached), territory outlines loaded from the API, and the outline overlays by zoom. */
import {L} from "./leaflet.js";
import {asText} from "./dom.js";
import {getJSON} from "./api.js";

const OVERLAYS = {
  bv: {minZoom: 7, style: {color: "#6b4fa0", weight: 1.5, fill: false}, label: "Bassin de vie"},
  epci: {minZoom: 7, style: {color: "#9a5b00", weight: 1.5, dashArray: "4 3", fill: false}, label: "EPCI"},
  commune: {minZoom: 9, style: {color: "#57606f", weight: 0.8, fill: false}, label: "Commune"},
  qpv: {minZoom: 9, style: {color: "#b3261e", weight: 1.5, fillColor: "#b3261e", fillOpacity: 0.12}, label: "QPV"}
};

/* The tiles of `tiles` ({url, attribution}). When they cannot be reached (offline, blocked)
 * the map stays usable on a plain background and onUnavailable() may say so. */
export function addBasemap(map, tiles, onUnavailable = () => {}) {
  const layer = L.tileLayer(tiles.url, {attribution: tiles.attribution, maxZoom: 19, crossOrigin: true});
  let errors = 0;
  let loads = 0;
  let off = false;
  layer.on("tileload", () => { loads += 1; });
  layer.on("tileerror", () => {
    errors += 1;
    if (errors < 4 || loads > 0 || off) { return; }
    off = true;
    // After Leaflet's own dispatch (changing the layer inside its loops breaks them), and
    // pointed at an empty image: removing the layer hangs Leaflet 1.9 while tiles are failing.
    setTimeout(() => {
      layer.setUrl(L.Util.emptyImageUrl);
      onUnavailable();
    }, 0);
  });
  return layer.addTo(map);
}

// Replace the features of `layer` with the GeoJSON at `url`; resolves to that GeoJSON.
export function loadOutlines(layer, url) {
  return getJSON(url).then((data) => {
    layer.clearLayers();
    layer.addData(data);
    return data;
  });
}

// Frame the features of `layer`, when it has some: whether it had.
export function frame(map, layer) {
  const bounds = layer.getBounds();
  if (bounds.isValid()) { map.fitBounds(bounds, {padding: [10, 10]}); }
  return bounds.isValid();
}

/* The outlines of the territories chosen in state.overlays, each kind from its zoom on, for
 * the area in view; refresh() after a move or a change of state.overlays. */
export function createOverlays(map, url, state) {
  const layers = {};
  Object.keys(OVERLAYS).forEach((kind) => {
    layers[kind] = L.geoJSON(null, {
      style: OVERLAYS[kind].style,
      onEachFeature(feature, layer) {
        const p = feature.properties;
        const outline = p.outline === "commune" ? " (contour de la commune)" : "";
        layer.bindTooltip(asText(OVERLAYS[kind].label + " : " + p.name + outline), {sticky: true});
      }
    });
  });

  function refresh() {
    const zoom = map.getZoom();
    const bounds = map.getBounds();
    const bbox = [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()].map((v) => v.toFixed(4)).join(",");
    Object.keys(OVERLAYS).forEach((kind) => {
      const layer = layers[kind];
      if (!state.overlays.includes(kind) || zoom < OVERLAYS[kind].minZoom) { map.removeLayer(layer); return; }
      const params = new URLSearchParams({kind, bbox, zoom: String(zoom), page_size: "3000"});
      if (kind === "qpv") { params.set("fallback", "commune"); }
      loadOutlines(layer, url + "?" + params).then(() => { layer.addTo(map); layer.bringToBack(); }).catch(() => {});
    });
  }

  return {refresh};
}
