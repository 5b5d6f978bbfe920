/* carto — widget à intégrer. Usage :
 *   <div data-carto-embed data-territory="bv:62498" data-theme="numerique"></div>
 *   <script src="…/embed.js" async></script>  (servi par carto)
 * Attributs reconnus : data-territory, data-theme, data-kind, data-public, data-q,
 * data-near (lon,lat), data-radius-km, data-center (lat,lon), data-zoom, data-height.
 * Agenda (les séances à venir plutôt que les acteurs) : data-mode="agenda", avec
 * data-periode (aujourdhui, semaine, mois ou dates), data-du et data-au (AAAA-MM-JJ, pour
 * « dates »), data-format et data-niveau.
 * Aucun cookie ; la carte occupe la largeur du conteneur. */
(function () {
  "use strict";
  var EMBED_URL = "{{ embed_url|escapejs }}";
  var PARAMS = {territory: "territory", theme: "theme", kind: "kind", "public": "public", q: "q",
                near: "near", radiusKm: "radius_km", mode: "mode", periode: "periode", du: "du",
                au: "au", format: "format", niveau: "niveau"};

  function build(host) {
    if (host.getAttribute("data-carto-ready")) { return; }
    host.setAttribute("data-carto-ready", "1");
    var query = new URLSearchParams();
    Object.keys(PARAMS).forEach(function (key) {
      var value = host.dataset[key];
      if (!value) { return; }
      value.split(",").forEach(function (item, index) {
        if (key === "near") { if (index === 0) { query.append("near", value); } return; }
        if (item.trim()) { query.append(PARAMS[key], item.trim()); }
      });
    });
    if (host.dataset.center && host.dataset.zoom) {
      query.set("map", host.dataset.center + "," + host.dataset.zoom);
    }
    var frame = document.createElement("iframe");
    frame.src = EMBED_URL + (query.toString() ? "?" + query.toString() : "");
    frame.title = host.dataset.title || (host.dataset.mode === "agenda" ? "Agenda : les séances à venir" : "Carte : qui fait quoi, où ?");
    frame.loading = "lazy";
    frame.setAttribute("allow", "geolocation");
    frame.style.border = "0";
    frame.style.width = "100%";
    frame.style.display = "block";
    var height = host.dataset.height || (host.clientHeight > 150 ? host.clientHeight + "px" : "480px");
    frame.style.height = /^\d+$/.test(height) ? height + "px" : height;
    host.appendChild(frame);
  }

  function scan() {
    var hosts = document.querySelectorAll("[data-carto-embed]");
    for (var i = 0; i < hosts.length; i++) { build(hosts[i]); }
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", scan); } else { scan(); }
})();
