/* carto — la petite carte d'une fiche territoire : son contour et ses acteurs.
 * Every text from the data is set with textContent. */
(function () {
  "use strict";

  // Leaflet content (tooltip, popup) showing `text` as text: a string would be parsed as HTML.
  function asText(text) {
    return function () { var node = document.createElement("span"); node.textContent = text; return node; };
  }

  function start() {
    var node = document.getElementById("fiche-carte");
    if (!node || !window.L) { return; }
    var map = L.map(node, {scrollWheelZoom: false});
    var outline = L.geoJSON(null, {style: {color: "#0b5cad", weight: 2, fillOpacity: 0.05}}).addTo(map);
    var points = L.geoJSON(null, {
      pointToLayer: function (feature, latlng) { return L.circleMarker(latlng, {radius: 5, color: "#fff", weight: 1, fillColor: "#b3261e", fillOpacity: 0.9}); },
      onEachFeature: function (feature, layer) { layer.bindTooltip(asText(feature.properties.name)); }
    }).addTo(map);
    fetch(node.dataset.outline).then(function (r) { return r.json(); }).then(function (feature) {
      outline.addData(feature);
      if (outline.getBounds().isValid()) { map.fitBounds(outline.getBounds(), {padding: [10, 10]}); } else { map.setView([46.6, 2.4], 5); }
    });
    fetch(node.dataset.actors).then(function (r) { return r.json(); }).then(function (data) { points.addData(data); });
  }
  if (window.L) { start(); } else { window.addEventListener("load", start); }
})();
