/* Placing an actor (moderation, « à vérifier »): a click on the map, or a drag of its
 * marker, fills the latitude and longitude fields; typed values move the marker. */

import {L} from "./modules/leaflet.js";

const FRANCE = [46.6, 2.4];

function setUp(form) {
  const lat = form.querySelector("[name=lat]");
  const lon = form.querySelector("[name=lon]");
  const typed = () => {
    const point = [Number.parseFloat(lat.value), Number.parseFloat(lon.value)];
    return point.every(Number.isFinite) ? point : null;
  };
  const start = typed();
  const map = L.map(form.querySelector("[data-placer-map]")).setView(start || FRANCE, start ? 16 : 6);
  L.tileLayer(form.dataset.tiles, {attribution: form.dataset.attribution, maxZoom: 19}).addTo(map);
  const marker = L.marker(start || FRANCE, {draggable: true, keyboard: true, title: "Position de l’acteur"});
  if (start) { marker.addTo(map); }

  const fill = (latlng) => {
    lat.value = latlng.lat.toFixed(6);
    lon.value = latlng.lng.toFixed(6);
    marker.setLatLng(latlng).addTo(map);
  };
  map.on("click", (event) => fill(event.latlng));
  marker.on("dragend", () => fill(marker.getLatLng()));
  for (const field of [lat, lon]) {
    field.addEventListener("change", () => {
      const point = typed();
      if (point) { marker.setLatLng(point).addTo(map); map.panTo(point); }
    });
  }
  form.dataset.placerReady = "1";
}

for (const form of document.querySelectorAll("[data-placer]")) { setUp(form); }
