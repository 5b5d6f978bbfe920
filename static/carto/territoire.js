/* carto — the small map of a territory sheet (/territoire/…/): its outline and its actors,
 * without basemap. */
import {L} from "./modules/leaflet.js";
import {asText} from "./modules/dom.js";
import {getJSON} from "./modules/api.js";
import {frame, loadOutlines} from "./modules/layers.js";

const node = document.getElementById("fiche-carte");
if (node) {
  const map = L.map(node, {scrollWheelZoom: false});
  const outline = L.geoJSON(null, {style: {color: "#0b5cad", weight: 2, fillOpacity: 0.05}}).addTo(map);
  const points = L.geoJSON(null, {
    pointToLayer: (feature, latlng) => L.circleMarker(latlng, {radius: 5, color: "#fff", weight: 1, fillColor: "#b3261e", fillOpacity: 0.9}),
    onEachFeature: (feature, layer) => { layer.bindTooltip(asText(feature.properties.name)); }
  }).addTo(map);
  loadOutlines(outline, node.dataset.outline).then(() => {
    if (!frame(map, outline)) { map.setView([46.6, 2.4], 5); }
  });
  getJSON(node.dataset.actors).then((data) => points.addData(data));
}
