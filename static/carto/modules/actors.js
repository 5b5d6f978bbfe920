/* The actors on the map: every actor matching the filters, loaded page by page up to a cap,
 * as keyboard-reachable markers clustered by Leaflet.markercluster; the selected one ringed. */
import {L} from "./leaflet.js";
import {getJSON} from "./api.js";

const MAX_ACTORS = 5000;
const PAGE_SIZE = 500;

export function createActors(map, url, onSelect) {
  const cluster = L.markerClusterGroup({showCoverageOnHover: false, maxClusterRadius: 50, chunkedLoading: true});
  map.addLayer(cluster);
  let markers = new Map();
  let ring = null;
  let latest = 0;

  function markerFor(feature) {
    const p = feature.properties;
    const [lon, lat] = feature.geometry.coordinates;
    const marker = L.marker([lat, lon], {
      title: p.name + " — " + p.kind_label, alt: p.name, keyboard: true, riseOnHover: true,
      icon: L.divIcon({className: "pastille pastille-" + p.kind, iconSize: [18, 18], html: ""})
    });
    marker.on("click", () => onSelect(String(p.id)));
    marker.on("keypress", (event) => { if (event.originalEvent.key === "Enter") { onSelect(String(p.id)); } });
    return marker;
  }

  /* Load the actors matching `query` and put them on the map. Resolves to {seq, features,
   * truncatedTotal} (how many match when capped, else 0), or to null when a later load
   * began meanwhile (its failure is then ignored too). */
  async function load(query) {
    const seq = ++latest;
    query.set("page_size", String(PAGE_SIZE));
    let features = [];
    let last;
    try {
      for (let page = 1; ; page += 1) {
        query.set("page", String(page));
        last = await getJSON(url + "?" + query);
        if (seq !== latest) { return null; }
        features = features.concat(last.features);
        if (!last.truncated || features.length >= MAX_ACTORS) { break; }
      }
    } catch (error) {
      if (seq !== latest) { return null; }
      throw error;
    }
    cluster.clearLayers();
    markers = new Map(features.map((feature) => [String(feature.properties.id), markerFor(feature)]));
    cluster.addLayers(Array.from(markers.values()));
    return {seq, features, truncatedTotal: last.count > features.length ? last.count : 0};
  }

  function unring() {
    if (ring) { map.removeLayer(ring); ring = null; }
  }

  // Ring the actor `id`; with `reveal`, zoom until its marker leaves its cluster.
  function highlight(id, reveal) {
    unring();
    const marker = markers.get(id);
    if (!marker) { return; }
    ring = L.circleMarker(marker.getLatLng(), {radius: 16, color: "#f5a623", weight: 3, fill: false, interactive: false}).addTo(map);
    if (reveal) { cluster.zoomToShowLayer(marker, () => {}); }
  }

  // Frame these actors and the point `near` ("lon,lat", or empty).
  function frameAround(features, near) {
    if (!features.length) { return; }
    const bounds = L.latLngBounds(features.map((f) => [f.geometry.coordinates[1], f.geometry.coordinates[0]]));
    if (near) {
      const [lon, lat] = near.split(",").map(Number);
      bounds.extend([lat, lon]);
    }
    map.fitBounds(bounds.pad(0.2), {maxZoom: 14});
  }

  return {load, highlight, unring, frameAround};
}
