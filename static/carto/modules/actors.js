/* The actors on the map. Up to a threshold (the page's config.vectorTiles.threshold) every
 * actor matching the filters is loaded page by page, as keyboard-reachable markers clustered
 * by Leaflet.markercluster; past it (the national directory), the map switches to vector
 * tiles (modules/tiles.js): the same filters, counted and clustered by the server, and the
 * list shows the actors in view. Around a place (`near`) the nearest stay markers, capped.
 * The selected actor is ringed. */
import {L} from "./leaflet.js";
import {getJSON} from "./api.js";
import {createTiles} from "./tiles.js";

const MAX_ACTORS = 5000;
const PAGE_SIZE = 500;

export function createActors(map, config, onSelect) {
  const url = config.api.actors;
  const settings = config.vectorTiles;
  const cluster = L.markerClusterGroup({showCoverageOnHover: false, maxClusterRadius: 50, chunkedLoading: true});
  map.addLayer(cluster);
  let markers = new Map();
  const places = new Map();  // id -> LatLng of actors known without a marker (tile mode)
  let ring = null;
  let latest = 0;
  const tiles = createTiles(map, settings, config.kinds, (id, latlng) => {
    places.set(id, latlng);
    onSelect(id);
  });

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
   * truncatedTotal, tiles, count, exact}: with markers, the features (truncatedTotal: how many match
   * when capped, else 0); in tile mode (`tiles` true) no feature, and `count` matching
   * (`exact` false: at least that many, the API's bounded count). Resolves
   * to null when a later load began meanwhile (its failure is then ignored too). */
  async function load(query) {
    const seq = ++latest;
    const filters = new URLSearchParams(query);
    query.set("page_size", String(PAGE_SIZE));
    let features = [];
    let last;
    try {
      for (let page = 1; ; page += 1) {
        query.set("page", String(page));
        last = await getJSON(url + "?" + query);
        if (seq !== latest) { return null; }
        if (page === 1 && !filters.has("near") && last.count > settings.threshold) {
          cluster.clearLayers();
          markers = new Map();
          await tiles.show(filters);
          if (seq !== latest) { return null; }
          return {seq, features: [], truncatedTotal: 0, tiles: true, count: last.count, exact: last.count_exact};
        }
        features = features.concat(last.features);
        if (!last.truncated || features.length >= MAX_ACTORS) { break; }
      }
    } catch (error) {
      if (seq !== latest) { return null; }
      throw error;
    }
    tiles.hide();
    cluster.clearLayers();
    markers = new Map(features.map((feature) => [String(feature.properties.id), markerFor(feature)]));
    cluster.addLayers(Array.from(markers.values()));
    return {seq, features, truncatedTotal: last.count > features.length ? last.count : 0, tiles: false, count: last.count, exact: last.count_exact};
  }

  // Where these actors (GeoJSON features, e.g. the list's) stand, for ringing them in tile mode.
  function remember(features) {
    features.forEach((f) => places.set(String(f.properties.id), L.latLng(f.geometry.coordinates[1], f.geometry.coordinates[0])));
  }

  function unring() {
    if (ring) { map.removeLayer(ring); ring = null; }
  }

  // Ring the actor `id`; with `reveal`, zoom until it shows on its own.
  function highlight(id, reveal) {
    unring();
    const marker = markers.get(id);
    const place = marker ? marker.getLatLng() : places.get(id);
    if (!place) { return; }
    // Over the tiles' pane (450) when there is no marker to ring.
    const pane = marker ? "overlayPane" : "markerPane";
    ring = L.circleMarker(place, {radius: 16, color: "#f5a623", weight: 3, fill: false, interactive: false, pane}).addTo(map);
    if (!reveal) { return; }
    if (marker) { cluster.zoomToShowLayer(marker, () => {}); }
    else if (map.getZoom() < settings.pointZoom) { map.setView(place, settings.pointZoom); }
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

  // The actors shown or not (the coverage mode hides them).
  function setVisible(visible) {
    tiles.setVisible(visible);
  }

  return {load, remember, highlight, unring, frameAround, setVisible, get tiled() { return tiles.active; }};
}
