/* The point picker of the contribution forms: a Leaflet map, a draggable marker, and the
 * visible « position » field (latitude, longitude) kept in step both ways. It works
 * without its basemap (tiles unreachable): the communes' outlines show from zoom 9, a
 * click places the point, and the field can be typed. */
import {L} from "./leaflet.js";
import {addBasemap, createOverlays} from "./layers.js";

const POSITION = /^\s*(-?\d+(?:[.,]\d+)?)\s*[,; ]\s*(-?\d+(?:[.,]\d+)?)\s*$/;

// [lat, lon] from « 50.4329, 2.8319 » (a decimal comma is read too), or null.
export function parsePosition(text) {
  const found = POSITION.exec(text || "");
  if (!found) { return null; }
  const [lat, lon] = [found[1], found[2]].map((n) => Number(n.replace(",", ".")));
  return Math.abs(lat) <= 90 && Math.abs(lon) <= 180 ? [lat, lon] : null;
}

export function formatPosition(lat, lon) {
  return lat.toFixed(6) + ", " + lon.toFixed(6);
}

/* `node`: the map's element; `field`: the position input; `precision`: the hidden input
 * saying how the point was placed (exact, address, commune). Options: tiles, territories
 * (the outlines' API), center, zoom, onBasemapOff(), onChange([lat, lon]).
 * Returns {place(lat, lon, precision, zoom), frame(bbox), position()}. */
export function createPicker(node, field, precision, options) {
  const map = L.map(node, {scrollWheelZoom: false, keyboard: true});
  map.attributionControl.setPrefix(false);
  addBasemap(map, options.tiles, options.onBasemapOff || (() => {}));
  const outlines = createOverlays(map, options.territories, {overlays: ["commune"]});
  map.on("moveend", outlines.refresh);

  const icon = L.divIcon({className: "repere-choisi", iconSize: [22, 22], iconAnchor: [11, 22]});
  let marker = null;

  function show(lat, lon) {
    if (marker) { marker.setLatLng([lat, lon]); return; }
    marker = L.marker([lat, lon], {draggable: true, icon, keyboard: true, title: "Lieu proposé", alt: "Lieu proposé"}).addTo(map);
    marker.on("dragend", () => {
      const at = marker.getLatLng();
      write(at.lat, at.lng, "exact");
    });
  }

  function write(lat, lon, how) {
    field.value = formatPosition(lat, lon);
    precision.value = how;
    if (options.onChange) { options.onChange([lat, lon]); }
  }

  function place(lat, lon, how, zoom) {
    show(lat, lon);
    write(lat, lon, how);
    if (zoom) { map.setView([lat, lon], zoom); }
  }

  function frame(bbox) {
    map.fitBounds([[bbox[1], bbox[0]], [bbox[3], bbox[2]]], {maxZoom: 15});
  }

  map.on("click", (event) => { place(event.latlng.lat, event.latlng.lng, "exact"); });
  field.addEventListener("change", () => {
    const typed = parsePosition(field.value);
    if (!typed) { return; }
    show(typed[0], typed[1]);
    precision.value = "exact";
    map.setView(typed, Math.max(map.getZoom(), 14));
    if (options.onChange) { options.onChange(typed); }
  });

  const start = parsePosition(field.value);
  if (start) {
    show(start[0], start[1]);
    map.setView(start, 15);
  } else {
    map.setView(options.center, options.zoom);
  }
  outlines.refresh();

  return {place, frame, position: () => parsePosition(field.value)};
}
