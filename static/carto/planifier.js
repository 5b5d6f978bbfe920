/* carto — le planificateur : zones blanches d'un territoire, lieux d'accueil proposés
 * (POST /api/v1/planning/siting/), tournée datée (POST /api/v1/planning/tours/) et exports.
 * Every text from the data is set with textContent. */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("planner-config").textContent);
  var root = document.querySelector("[data-planner]");
  var gapsForm = root.querySelector("[data-gaps-form]");
  var sitingForm = root.querySelector("[data-siting-form]");
  var tourForm = root.querySelector("[data-tour-form]");
  var map, outlineLayer, gapsLayer, hostsLayer, routeLayer;
  var hosts = [], lastTourRequest = null;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") { node.textContent = attrs[key]; } else if (key === "className") { node.className = attrs[key]; } else { node.setAttribute(key, attrs[key]); }
    });
    (children || []).forEach(function (child) { if (child) { node.appendChild(child); } });
    return node;
  }

  // Leaflet content (tooltip, popup) showing `text` as text: a string would be parsed as HTML.
  function asText(text) { return function () { return el("span", {text: text}); }; }

  function status(selector, text) { root.querySelector(selector).textContent = text; }

  function request(url, options) {
    return fetch(url, options).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (!response.ok) {
        return response.json().then(function (body) { throw new Error(body.detail || ("Erreur " + response.status)); });
      }
      return type.indexOf("json") !== -1 ? response.json() : response.blob();
    });
  }

  function postJSON(url, body) {
    return request(url, {method: "POST", headers: {"Content-Type": "application/json", Accept: "application/json"}, body: JSON.stringify(body)});
  }

  function territory() { return gapsForm.elements.territory.value; }

  // -- territory picker -------------------------------------------------------------
  function picker() {
    var input = document.getElementById("p-territory");
    var list = document.getElementById("p-territory-options");
    var items = [], timer;
    function choose(result) {
      input.value = result.label;
      gapsForm.elements.territory.value = result.kind + ":" + result.code;
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      drawOutline(result.kind, result.code);
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      gapsForm.elements.territory.value = "";
      var text = input.value.trim();
      if (text.length < 2) { list.hidden = true; return; }
      timer = setTimeout(function () {
        var params = new URLSearchParams({q: text, limit: "8"});
        ["departement", "epci", "bv", "commune", "region"].forEach(function (kind) { params.append("kind", kind); });
        request(config.api.search + "?" + params.toString()).then(function (body) {
          items = body.results;
          list.textContent = "";
          items.forEach(function (result) {
            var option = el("li", {role: "option"}, [el("span", {text: result.label}), el("small", {text: " " + result.kind_label})]);
            option.addEventListener("mousedown", function (event) { event.preventDefault(); choose(result); });
            list.appendChild(option);
          });
          list.hidden = !items.length;
          input.setAttribute("aria-expanded", items.length ? "true" : "false");
        });
      }, 200);
    });
    input.addEventListener("keydown", function (event) { if (event.key === "Enter" && items.length && !list.hidden) { event.preventDefault(); choose(items[0]); } });
    if (config.preset.territory) {
      var parts = config.preset.territory.split(":");
      gapsForm.elements.territory.value = config.preset.territory;
      input.value = config.preset.label || config.preset.territory;
      drawOutline(parts[0], parts[1]);
    }
    if (config.preset.level) { gapsForm.elements.level.value = config.preset.level; }
    if (config.preset.theme) { gapsForm.elements.theme.value = config.preset.theme; }
  }

  function drawOutline(kind, code) {
    request(config.api.territory.replace("KIND", kind).replace("CODE", code) + "?zoom=10").then(function (feature) {
      outlineLayer.clearLayers();
      outlineLayer.addData(feature);
      if (outlineLayer.getBounds().isValid()) { map.fitBounds(outlineLayer.getBounds(), {padding: [10, 10]}); }
      if (!config.preset.label && feature.properties) { document.getElementById("p-territory").value = feature.properties.name; }
    }).catch(function () {});
  }

  function gapFilters() {
    var params = {level: gapsForm.elements.level.value, max_km: gapsForm.elements.max_km.value};
    if (territory()) { params.territory = territory(); }
    if (gapsForm.elements.theme.value) { params.theme = gapsForm.elements.theme.value; }
    return params;
  }

  // -- 1. gaps ------------------------------------------------------------------------
  gapsForm.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!territory()) { status("[data-gaps-status]", "Choisissez d’abord un territoire dans la liste."); return; }
    status("[data-gaps-status]", "Calcul en cours…");
    var params = new URLSearchParams(gapFilters());
    params.set("limit", "15");
    params.set("zoom", "10");
    request(config.api.gaps + "?" + params.toString()).then(function (data) {
      var list = root.querySelector("[data-gaps]");
      list.textContent = "";
      gapsLayer.clearLayers();
      gapsLayer.addData(data);
      data.features.forEach(function (feature) {
        var p = feature.properties;
        var text = p.share_within != null
          ? Math.round((1 - p.share_within) * 100) + " % de " + (p.loaded_population || 0).toLocaleString("fr-FR") + " habitants hors de portée"
          : (p.distance_m != null ? "acteur le plus proche à " + (p.distance_m / 1000).toLocaleString("fr-FR", {maximumFractionDigits: 1}) + " km" : "");
        var link = el("a", {href: config.api.sheet.replace("KIND", p.kind).replace("CODE", p.code), text: p.name});
        list.appendChild(el("li", {}, [link, document.createTextNode(" — " + p.actors + " acteur" + (p.actors > 1 ? "s" : "") + (text ? ", " + text : ""))]));
      });
      status("[data-gaps-status]", data.count + " territoires ; les " + data.features.length + " moins couverts :");
      root.setAttribute("data-gaps-loaded", String(data.features.length));
    }).catch(function (error) { status("[data-gaps-status]", error.message); });
  });

  // -- 2. siting ------------------------------------------------------------------------
  sitingForm.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!territory()) { status("[data-siting-status]", "Choisissez d’abord un territoire (étape 1)."); return; }
    status("[data-siting-status]", "Recherche des meilleurs lieux…");
    var filters = gapFilters();
    var body = {level: filters.level, territory: filters.territory, max_km: Number(filters.max_km), k: Number(sitingForm.elements.k.value),
      candidate_kinds: Array.prototype.map.call(sitingForm.querySelectorAll('input[name="candidate_kinds"]:checked'), function (b) { return b.value; })};
    if (filters.theme) { body.theme = [filters.theme]; }
    postJSON(config.api.siting, body).then(function (data) {
      hosts = data.hosts;
      var list = root.querySelector("[data-hosts]");
      list.textContent = "";
      hostsLayer.clearLayers();
      hosts.forEach(function (host, index) {
        var label = host.actor.name + " (" + host.actor.kind_label + (host.actor.city ? ", " + host.actor.city : "") + ")";
        list.appendChild(el("li", {text: label + " — +" + Math.round(host.gain).toLocaleString("fr-FR") + " " + data.unit + " (" + host.covered.length + " cible" + (host.covered.length > 1 ? "s" : "") + ")"}));
        L.marker([host.lat, host.lon], {title: label, alt: label}).bindTooltip(asText((index + 1) + ". " + label)).addTo(hostsLayer);
      });
      status("[data-siting-status]", data.summary);
      root.setAttribute("data-hosts-loaded", String(hosts.length));
    }).catch(function (error) { status("[data-siting-status]", error.message); root.setAttribute("data-hosts-loaded", "error"); });
  });

  // -- 3. tour ------------------------------------------------------------------------
  function tourBody() {
    var f = tourForm.elements;
    var body = {
      start: {actor: hosts[0].actor.id},
      stops: hosts.map(function (host) { return {actor: host.actor.id}; }),
      date_from: f.date_from.value, date_to: f.date_to.value,
      session_minutes: Number(f.session_minutes.value), periods: f.periods.value,
      name: "Tournée — " + document.getElementById("p-territory").value
    };
    if (f.zone.value) { body.zone = f.zone.value; }
    return body;
  }

  tourForm.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!hosts.length) { status("[data-tour-status]", "Proposez d’abord des lieux (étape 2)."); return; }
    status("[data-tour-status]", "Calcul de la tournée…");
    lastTourRequest = tourBody();
    postJSON(config.api.tours, lastTourRequest).then(function (data) {
      var list = root.querySelector("[data-schedule]");
      list.textContent = "";
      data.stops.forEach(function (stop) {
        var when = new Date(stop.start);
        var day = when.toLocaleDateString("fr-FR", {weekday: "long", day: "numeric", month: "long"});
        var hours = stop.start.slice(11, 16) + " – " + stop.end.slice(11, 16);
        list.appendChild(el("li", {text: day + ", " + hours + " : " + stop.label + " (" + Math.round(stop.leg_distance_m / 1000) + " km de trajet)"}));
      });
      (data.unscheduled || []).forEach(function (item) { list.appendChild(el("li", {className: "non-place", text: "Non placé : " + item.label + " — " + item.reason})); });
      routeLayer.clearLayers();
      var line = [[data.start.lat, data.start.lon]].concat(data.stops.map(function (s) { return [s.lat, s.lon]; }));
      if (data.return_to_start) { line.push([data.start.lat, data.start.lon]); }
      L.polyline(line, {color: "#0b5cad", weight: 3, dashArray: "6 4"}).addTo(routeLayer);
      var method = data.method === "exact" ? "ordre optimal (calcul exact)" : "ordre calculé par heuristique (2-opt)";
      status("[data-tour-status]", data.stops.length + " séances sur " + data.days.length + " jour(s), " +
        Math.round(data.total_distance_m / 1000) + " km ; " + method + ".");
      root.querySelector("[data-exports]").hidden = false;
      root.setAttribute("data-tour-loaded", String(data.stops.length));
    }).catch(function (error) { status("[data-tour-status]", error.message); root.setAttribute("data-tour-loaded", "error"); });
  });

  // The roadbook is our server's page (the template escaped its data), written into a window
  // opened at the click: unlike a blob: URL, that window resolves /static/ against this page,
  // so its stylesheet and its script (the print button, no inline handler) load.
  function showRoadbook(target, blob) {
    return blob.text().then(function (html) {
      target.document.open();
      target.document.write(html);
      target.document.close();
    });
  }

  root.querySelectorAll("[data-export]").forEach(function (button) {
    button.addEventListener("click", function () {
      var format = button.getAttribute("data-export");
      var target = null;
      if (format === "html") {
        target = window.open("", "_blank");
        if (!target) { status("[data-tour-status]", "Autorisez l’ouverture d’une fenêtre pour voir la feuille de route."); return; }
      }
      postJSON(config.api.tours + "?format=" + format, lastTourRequest).then(function (blob) {
        if (target) { return showRoadbook(target, blob); }
        var url = URL.createObjectURL(blob);
        var link = el("a", {href: url, download: "tournee." + format});
        document.body.appendChild(link);
        link.click();
        link.remove();
      }).catch(function (error) {
        if (target) { target.close(); }
        status("[data-tour-status]", error.message);
      });
    });
  });

  function start() {
    map = L.map("planifier-carte").setView([50.3, 2.8], 8);
    L.tileLayer(config.tiles.url, {attribution: config.tiles.attribution, maxZoom: 19}).addTo(map);
    outlineLayer = L.geoJSON(null, {style: {color: "#1d2433", weight: 2, fill: false}, interactive: false}).addTo(map);
    gapsLayer = L.geoJSON(null, {
      style: {color: "#b2182b", weight: 1, fillColor: "#ef8a62", fillOpacity: 0.45},
      onEachFeature: function (feature, layer) { layer.bindTooltip(asText(feature.properties.name)); }
    }).addTo(map);
    hostsLayer = L.layerGroup().addTo(map);
    routeLayer = L.layerGroup().addTo(map);
    var today = new Date();
    tourForm.elements.date_from.value = today.toISOString().slice(0, 10);
    tourForm.elements.date_to.value = new Date(today.getTime() + 21 * 86400000).toISOString().slice(0, 10);
    picker();
  }

  if (window.L) { start(); } else { window.addEventListener("load", start); }
})();
