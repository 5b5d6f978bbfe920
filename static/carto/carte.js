/* carto — la carte « qui fait quoi, où ? » (page /carte/ et widget /embed/).
 *
 * Design: the whole state (filters, centre, zoom, selected actor, overlays) lives in
 * the URL; the page reads it at load and on « back », and writes it on each change.
 * Actors come from /api/v1/actors/ for the current filters (all pages, up to a cap),
 * clustered by Leaflet.markercluster; the list shows those in view, or nearest first.
 * Every text from the data is set with textContent: nothing from the API is parsed
 * as HTML. Territory outlines come from /api/v1/territories/ simplified for the zoom.
 */
(function () {
  "use strict";

  var MAX_ACTORS = 5000;
  var PAGE_SIZE = 500;
  var LIST_LIMIT = 500;
  var OVERLAYS = {
    bv: {minZoom: 7, style: {color: "#6b4fa0", weight: 1.5, fill: false}, label: "Bassin de vie"},
    epci: {minZoom: 7, style: {color: "#9a5b00", weight: 1.5, dashArray: "4 3", fill: false}, label: "EPCI"},
    commune: {minZoom: 9, style: {color: "#57606f", weight: 0.8, fill: false}, label: "Commune"},
    qpv: {minZoom: 9, style: {color: "#b3261e", weight: 1.5, fillColor: "#b3261e", fillOpacity: 0.12}, label: "QPV"}
  };
  var LIST_KEYS = ["kind", "theme", "public"];

  var config = JSON.parse(document.getElementById("carto-config").textContent);
  var root = document.querySelector("[data-carte]");
  var form = root.querySelector("[data-filters]");
  var countEl = root.querySelector("[data-count]");
  var listEl = root.querySelector("[data-results]");
  var detailEl = root.querySelector("[data-detail]");
  var printLink = root.querySelector("[data-print]");

  var state = readState(window.location.search);
  var map, cluster, baseOutlines, overlayLayers = {}, highlight = null;
  var features = [], truncatedTotal = 0, markersById = {};
  var loadToken = 0;

  // -- helpers -------------------------------------------------------------------
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") { node.textContent = attrs[key]; }
      else if (key === "className") { node.className = attrs[key]; }
      else { node.setAttribute(key, attrs[key]); }
    });
    (children || []).forEach(function (child) { if (child) { node.appendChild(child); } });
    return node;
  }

  // Leaflet content (tooltip, popup) showing `text` as text: a string would be parsed as HTML.
  function asText(text) { return function () { return el("span", {text: text}); }; }

  function labelOf(list, slug) {
    for (var i = 0; i < list.length; i++) { if (list[i].slug === slug) { return list[i].label; } }
    return slug;
  }

  function formatDistance(metres) {
    if (metres == null) { return ""; }
    if (metres < 1000) { return "à " + Math.round(metres) + " m"; }
    return "à " + (metres / 1000).toLocaleString("fr-FR", {maximumFractionDigits: 1}) + " km";
  }

  function getJSON(url) {
    return fetch(url, {headers: {Accept: "application/json"}}).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) { throw new Error(body.detail || ("Erreur " + response.status)); }
        return body;
      });
    });
  }

  // -- state <-> URL -----------------------------------------------------------------
  function readState(search) {
    var params = new URLSearchParams(search);
    var result = {q: params.get("q") || "", territory: params.get("territory") || "", territoryLabel: params.get("tl") || "",
                  near: params.get("near") || "", nearLabel: params.get("nl") || "", radius: params.get("radius_km") || "",
                  actor: params.get("actor") || "", overlays: (params.get("overlays") || "").split(",").filter(Boolean),
                  mode: params.get("mode") === "couverture" ? "couverture" : "annuaire",
                  level: params.get("level") || "bv", metric: params.get("metric") || "share_within",
                  view: null};
    LIST_KEYS.forEach(function (key) { result[key] = params.getAll(key); });
    var view = (params.get("map") || "").split(",").map(Number);
    if (view.length === 3 && view.every(function (n) { return !isNaN(n); })) { result.view = view; }
    return result;
  }

  function filterQuery(includeView) {
    var params = new URLSearchParams();
    if (state.q) { params.set("q", state.q); }
    LIST_KEYS.forEach(function (key) { state[key].forEach(function (value) { params.append(key, value); }); });
    if (state.territory) { params.set("territory", state.territory); }
    if (state.near) { params.set("near", state.near); if (state.radius) { params.set("radius_km", state.radius); } }
    if (includeView) {
      if (state.territoryLabel && state.territory) { params.set("tl", state.territoryLabel); }
      if (state.nearLabel && state.near) { params.set("nl", state.nearLabel); }
      if (state.overlays.length) { params.set("overlays", state.overlays.join(",")); }
      if (state.mode === "couverture") { params.set("mode", "couverture"); params.set("level", state.level); params.set("metric", state.metric); }
      if (state.actor) { params.set("actor", state.actor); }
      if (map) {
        var c = map.getCenter();
        params.set("map", [c.lat.toFixed(5), c.lng.toFixed(5), map.getZoom()].join(","));
      }
    }
    return params;
  }

  function writeState(push) {
    var url = window.location.pathname + "?" + filterQuery(true).toString();
    // In an iframe the parent's history must not fill up: replace only.
    if (push && !config.embed) { window.history.pushState(null, "", url); } else { window.history.replaceState(null, "", url); }
    printLink.href = config.api.print + "?" + filterQuery(false).toString();
  }

  // -- filters form ------------------------------------------------------------------
  function buildFacets() {
    [["kind", config.kinds], ["theme", config.themes], ["public", config.publics]].forEach(function (pair) {
      var box = form.querySelector('[data-facet="' + pair[0] + '"]');
      pair[1].forEach(function (term) {
        var input = el("input", {type: "checkbox", name: pair[0], value: term.slug});
        box.appendChild(el("label", {}, [input, document.createTextNode(" " + term.label)]));
      });
    });
  }

  function syncForm() {
    form.elements.q.value = state.q;
    LIST_KEYS.forEach(function (key) {
      form.querySelectorAll('input[name="' + key + '"]').forEach(function (box) { box.checked = state[key].indexOf(box.value) !== -1; });
    });
    form.querySelectorAll('input[name="overlay"]').forEach(function (box) { box.checked = state.overlays.indexOf(box.value) !== -1; });
    form.elements.radius_km.value = state.radius;
    if (form.elements.mode) {
      form.querySelectorAll('input[name="mode"]').forEach(function (radio) { radio.checked = radio.value === state.mode; });
      form.elements.level.value = state.level;
      form.elements.metric.value = state.metric;
      root.querySelector("[data-coverage-options]").hidden = state.mode !== "couverture";
      root.classList.toggle("mode-couverture", state.mode === "couverture");
    }
    if (state[LIST_KEYS[0]].length + state.theme.length + state.public.length) { root.querySelector("[data-facets]").open = true; }
    chip("[data-territory-chip]", state.territory ? (state.territoryLabel || state.territory) : "", function () {
      state.territory = ""; state.territoryLabel = ""; changed(true);
    });
    chip("[data-near-chip]", state.near ? "Autour de " + (state.nearLabel || state.near) : "", function () {
      state.near = ""; state.nearLabel = ""; changed(true);
    });
  }

  function chip(selector, text, onClear) {
    var node = root.querySelector(selector);
    node.textContent = "";
    node.hidden = !text;
    if (!text) { return; }
    node.appendChild(document.createTextNode(text + " "));
    var clear = el("button", {type: "button", className: "lien", "aria-label": "Retirer : " + text, text: "retirer"});
    clear.addEventListener("click", onClear);
    node.appendChild(clear);
  }

  function readForm() {
    state.q = form.elements.q.value.trim();
    LIST_KEYS.forEach(function (key) {
      state[key] = Array.prototype.map.call(form.querySelectorAll('input[name="' + key + '"]:checked'), function (b) { return b.value; });
    });
    state.radius = form.elements.radius_km.value;
  }

  var debounce;
  function changed(push) {
    writeState(push);
    syncForm();
    loadActors();
    loadCoverage();
  }

  // -- coverage mode (choropleth) ---------------------------------------------------
  var COLOURS = ["#b2182b", "#ef8a62", "#fddbc7", "#d1e5f0", "#2166ac"];  // poor -> good (colour-blind safe)
  var coverageLayer = null, legend = null;

  function quantileBreaks(values, classes) {
    var sorted = values.slice().sort(function (a, b) { return a - b; });
    var breaks = [];
    for (var i = 1; i < classes; i++) { breaks.push(sorted[Math.floor(i * sorted.length / classes)]); }
    return breaks.filter(function (value, index, all) { return all.indexOf(value) === index; });
  }

  function classOf(value, breaks) {
    var index = 0;
    while (index < breaks.length && value >= breaks[index]) { index += 1; }
    return index;
  }

  function metricOf(properties) {
    if (state.level === "qpv") { return properties.distance_m == null ? null : -properties.distance_m; }
    return properties[state.metric];
  }

  function loadCoverage() {
    if (coverageLayer) { map.removeLayer(coverageLayer); coverageLayer = null; }
    if (legend) { map.removeControl(legend); legend = null; }
    if (state.mode !== "couverture" || !config.api.coverage) { return; }
    var query = filterQuery(false);
    query.delete("near"); query.delete("radius_km");
    query.set("level", state.level);
    query.set("zoom", String(Math.min(map.getZoom(), 10)));
    root.setAttribute("data-coverage", "loading");
    getJSON(config.api.coverage + "?" + query.toString()).then(function (data) {
      var values = data.features.map(function (f) { return metricOf(f.properties); }).filter(function (v) { return v != null; });
      var breaks = quantileBreaks(values, COLOURS.length);
      var palette = COLOURS.slice(COLOURS.length - breaks.length - 1);
      coverageLayer = L.geoJSON(data, {
        style: function (feature) {
          var value = metricOf(feature.properties);
          return {color: "#333", weight: 0.6, fillOpacity: 0.7, fillColor: value == null ? "#bbb" : palette[classOf(value, breaks)]};
        },
        onEachFeature: function (feature, layer) {
          var p = feature.properties;
          var text = p.name + " : " + p.actors + " acteur" + (p.actors > 1 ? "s" : "");
          if (p.share_within != null) { text += ", " + Math.round(p.share_within * 100) + " % de la population à moins de " + data.max_km + " km"; }
          if (p.distance_m != null) { text += ", acteur le plus proche à " + formatDistance(p.distance_m).replace("à ", ""); }
          layer.bindTooltip(asText(text), {sticky: true});
          layer.on("click", function () {
            window.location.href = config.api.sheet.replace("KIND", p.kind).replace("CODE", encodeURIComponent(p.code));
          });
        }
      }).addTo(map);
      legend = L.control({position: "bottomright"});
      legend.onAdd = function () {
        var box = el("div", {className: "legende", role: "note"});
        var title = state.level === "qpv" ? "Distance au plus proche acteur" :
          form.elements.metric.options[form.elements.metric.selectedIndex].text;
        box.appendChild(el("h2", {text: title}));
        var bounds = [null].concat(breaks);
        palette.forEach(function (colour, index) {
          var low = bounds[index], high = bounds[index + 1];
          var describe = function (v) { return state.level === "qpv" ? formatDistance(-v).replace("à ", "") : state.metric === "share_within" ? Math.round(v * 100) + " %" : String(v); };
          var label = low == null ? "moins de " + describe(high) : high == null ? describe(low) + " et plus" : describe(low) + " – " + describe(high);
          if (state.level === "qpv") { label = low == null ? "plus de " + describe(high) : high == null ? "moins de " + describe(low) : describe(high) + " – " + describe(low); }
          var swatch = el("i"); swatch.style.background = colour;
          box.appendChild(el("div", {}, [swatch, document.createTextNode(label)]));
        });
        box.appendChild(el("div", {text: data.numberReturned + " territoires · cliquez pour la fiche"}));
        return box;
      };
      legend.addTo(map);
      root.setAttribute("data-coverage", String(data.features.length));
    }).catch(function (error) {
      countEl.textContent = "Couverture indisponible : " + error.message;
      root.setAttribute("data-coverage", "error");
    });
  }

  // -- autocomplete (ARIA combobox) -----------------------------------------------
  function combobox(input, kinds, onChoose, withAddresses) {
    var list = document.getElementById(input.getAttribute("aria-controls"));
    var items = [], active = -1, timer;
    function close() { list.hidden = true; input.setAttribute("aria-expanded", "false"); active = -1; }
    function render(results) {
      list.textContent = "";
      items = results;
      results.forEach(function (result, index) {
        var option = el("li", {role: "option", id: list.id + "-" + index, "aria-selected": "false"}, [
          el("span", {text: result.label}), el("small", {text: " " + result.kind_label})
        ]);
        option.addEventListener("mousedown", function (event) { event.preventDefault(); choose(index); });
        list.appendChild(option);
      });
      list.hidden = !results.length;
      input.setAttribute("aria-expanded", results.length ? "true" : "false");
    }
    function choose(index) { var result = items[index]; close(); if (result) { input.value = ""; onChoose(result); } }
    function move(step) {
      if (!items.length) { return; }
      active = (active + step + items.length) % items.length;
      Array.prototype.forEach.call(list.children, function (node, i) { node.setAttribute("aria-selected", i === active ? "true" : "false"); });
      input.setAttribute("aria-activedescendant", list.id + "-" + active);
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var text = input.value.trim();
      if (text.length < 2) { close(); return; }
      timer = setTimeout(function () {
        var params = new URLSearchParams({q: text, limit: "8"});
        kinds.forEach(function (kind) { params.append("kind", kind); });
        var searches = [getJSON(config.api.search + "?" + params.toString()).then(function (body) { return body.results; })];
        if (withAddresses && config.api.geocode && text.length >= 3) {
          // Addresses from the Base Adresse Nationale, when the server has a geocoder.
          searches.push(getJSON(config.api.geocode + "?" + new URLSearchParams({q: text, limit: "5"}).toString())
            .then(function (body) {
              return body.results.map(function (r) { return {label: r.label, kind_label: "adresse", center: r.center, kind: "address"}; });
            }).catch(function () { return []; }));
        }
        Promise.all(searches).then(function (lists) { render([].concat.apply([], lists)); }).catch(close);
      }, 200);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") { event.preventDefault(); move(1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); move(-1); }
      else if (event.key === "Enter") { if (!list.hidden) { event.preventDefault(); choose(active < 0 ? 0 : active); } }
      else if (event.key === "Escape") { close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  // -- map -----------------------------------------------------------------------
  function initMap() {
    map = L.map("carte", {zoomControl: true, preferCanvas: false, keyboard: true});
    var tiles = L.tileLayer(config.tiles.url, {attribution: config.tiles.attribution, maxZoom: 19, crossOrigin: true});
    var tileErrors = 0, tileLoads = 0, basemapOff = false;
    tiles.on("tileload", function () { tileLoads += 1; });
    tiles.on("tileerror", function () {
      // Unreachable basemap (offline, blocked): keep the map usable on a plain background.
      // The layer is removed after Leaflet's own dispatch (removing it inside loops).
      tileErrors += 1;
      if (tileErrors < 4 || tileLoads > 0 || basemapOff) { return; }
      basemapOff = true;
      setTimeout(function () {
        // Removing the layer hangs Leaflet 1.9 while tiles are failing: point it at an empty image.
        tiles.setUrl(L.Util.emptyImageUrl);
        var notice = el("p", {className: "sans-fond", role: "note", text: "Fond de plan indisponible : contours des territoires seuls."});
        root.querySelector(".carte-fond").appendChild(notice);
        root.setAttribute("data-basemap", "off");
      }, 0);
    });
    tiles.addTo(map);
    map.attributionControl.setPrefix(false);
    baseOutlines = L.geoJSON(null, {style: {color: "#44506a", weight: 1.2, fill: false}, interactive: false}).addTo(map);
    cluster = L.markerClusterGroup({showCoverageOnHover: false, maxClusterRadius: 50, chunkedLoading: true});
    map.addLayer(cluster);
    Object.keys(OVERLAYS).forEach(function (kind) {
      overlayLayers[kind] = L.geoJSON(null, {
        style: OVERLAYS[kind].style,
        onEachFeature: function (feature, layer) {
          var p = feature.properties;
          layer.bindTooltip(asText(OVERLAYS[kind].label + " : " + p.name + (p.outline === "commune" ? " (contour de la commune)" : "")), {sticky: true});
        }
      });
    });
    if (state.view) { map.setView([state.view[0], state.view[1]], state.view[2]); }
    else { map.setView(config.center, config.zoom); }
    map.on("moveend", function () { writeState(false); renderList(); refreshOverlays(); });
    loadBaseOutlines();
  }

  function loadBaseOutlines() {
    // Without tiles the outlines alone keep the map legible: départements, or the preset territory.
    var url;
    if (config.embed && state.territory) {
      var parts = state.territory.split(":");
      url = config.api.territory.replace("KIND", parts[0]).replace("CODE", parts[1]) + "?zoom=10";
    } else {
      url = config.api.territories + "?kind=departement&zoom=8";
    }
    getJSON(url).then(function (data) {
      baseOutlines.clearLayers();
      baseOutlines.addData(data);
      if (data.type === "Feature" && data.properties && !state.territoryLabel) {
        state.territoryLabel = data.properties.name + " (" + data.properties.kind_label.toLowerCase() + ")";
        syncForm();
      }
      // With no view in the URL, frame the preset territory, or the loaded départements.
      if (!state.view && !state.near && baseOutlines.getBounds().isValid()) { map.fitBounds(baseOutlines.getBounds(), {padding: [10, 10]}); }
    }).catch(function () { /* outlines are a comfort, not a requirement */ });
  }

  function refreshOverlays() {
    var zoom = map.getZoom();
    var bounds = map.getBounds();
    var bbox = [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()].map(function (v) { return v.toFixed(4); }).join(",");
    Object.keys(OVERLAYS).forEach(function (kind) {
      var layer = overlayLayers[kind];
      if (state.overlays.indexOf(kind) === -1 || zoom < OVERLAYS[kind].minZoom) { map.removeLayer(layer); return; }
      var params = new URLSearchParams({kind: kind, bbox: bbox, zoom: String(zoom), page_size: "3000"});
      if (kind === "qpv") { params.set("fallback", "commune"); }
      getJSON(config.api.territories + "?" + params.toString()).then(function (data) {
        layer.clearLayers(); layer.addData(data); layer.addTo(map); layer.bringToBack();
      }).catch(function () {});
    });
  }

  function markerFor(feature) {
    var p = feature.properties;
    var coords = feature.geometry.coordinates;
    var marker = L.marker([coords[1], coords[0]], {
      title: p.name + " — " + p.kind_label, alt: p.name, keyboard: true, riseOnHover: true,
      icon: L.divIcon({className: "pastille pastille-" + p.kind, iconSize: [18, 18], html: ""})
    });
    marker.on("click", function () { select(String(p.id), true); });
    marker.on("keypress", function (event) { if (event.originalEvent.key === "Enter") { select(String(p.id), true); } });
    return marker;
  }

  // -- loading actors --------------------------------------------------------------
  function loadActors() {
    var token = ++loadToken;
    countEl.textContent = "Chargement…";
    var query = filterQuery(false);
    query.set("page_size", String(PAGE_SIZE));
    var collected = [];
    function page(number) {
      query.set("page", String(number));
      return getJSON(config.api.actors + "?" + query.toString()).then(function (data) {
        if (token !== loadToken) { return null; }
        collected = collected.concat(data.features);
        if (data.truncated && collected.length < MAX_ACTORS) { return page(number + 1); }
        return data;
      });
    }
    page(1).then(function (last) {
      if (!last) { return; }
      features = collected;
      truncatedTotal = last.count > collected.length ? last.count : 0;
      cluster.clearLayers();
      markersById = {};
      var markers = features.map(function (feature) {
        var marker = markerFor(feature);
        markersById[String(feature.properties.id)] = marker;
        return marker;
      });
      cluster.addLayers(markers);
      if (state.near && !state.view) { fitTo(features.slice(0, 10)); }
      renderList();
      if (state.actor) { select(state.actor, false); }
      root.setAttribute("data-loaded", String(features.length));
      root.setAttribute("data-load-seq", String(token));
    }).catch(function (error) {
      if (token !== loadToken) { return; }
      countEl.textContent = "Impossible de charger les acteurs : " + error.message;
      root.setAttribute("data-loaded", "error");
    });
  }

  function fitTo(subset) {
    if (!subset.length) { return; }
    var bounds = L.latLngBounds(subset.map(function (f) { return [f.geometry.coordinates[1], f.geometry.coordinates[0]]; }));
    if (state.near) { var n = state.near.split(",").map(Number); bounds.extend([n[1], n[0]]); }
    map.fitBounds(bounds.pad(0.2), {maxZoom: 14});
  }

  // -- list ----------------------------------------------------------------------
  function renderList() {
    if (!map) { return; }
    var bounds = map.getBounds();
    var inView = state.near ? features : features.filter(function (f) {
      return bounds.contains([f.geometry.coordinates[1], f.geometry.coordinates[0]]);
    });
    var total = features.length;
    var text;
    if (state.near) {
      text = total + " acteur" + (total > 1 ? "s" : "") + ", du plus proche au plus lointain";
    } else {
      text = inView.length + " acteur" + (inView.length > 1 ? "s" : "") + " dans la vue (sur " + total + ")";
    }
    if (truncatedTotal) { text += " — " + truncatedTotal + " correspondent : affinez pour tout voir"; }
    countEl.textContent = text;
    listEl.textContent = "";
    inView.slice(0, LIST_LIMIT).forEach(function (feature) {
      var p = feature.properties;
      var meta = [p.kind_label, p.city].filter(Boolean).join(" · ");
      var button = el("button", {type: "button", className: "resultat", "data-id": String(p.id)}, [
        el("span", {className: "nom", text: p.name}),
        el("span", {className: "meta", text: meta + (p.itinerant ? " · itinérant" : "")}),
        p.distance_m != null ? el("span", {className: "distance", text: formatDistance(p.distance_m)}) : null
      ]);
      if (String(p.id) === state.actor) { button.setAttribute("aria-current", "true"); }
      button.addEventListener("click", function () { select(String(p.id), true); });
      listEl.appendChild(el("li", {}, [button]));
    });
    if (inView.length > LIST_LIMIT) {
      listEl.appendChild(el("li", {className: "plus", text: "… et " + (inView.length - LIST_LIMIT) + " autres : zoomez ou filtrez."}));
    }
  }

  // -- detail panel ------------------------------------------------------------------
  function select(id, push) {
    state.actor = id;
    writeState(push);
    var marker = markersById[id];
    if (highlight) { map.removeLayer(highlight); highlight = null; }
    if (marker) {
      highlight = L.circleMarker(marker.getLatLng(), {radius: 16, color: "#f5a623", weight: 3, fill: false, interactive: false}).addTo(map);
      if (push) { cluster.zoomToShowLayer(marker, function () {}); }
    }
    listEl.querySelectorAll("[aria-current]").forEach(function (node) { node.removeAttribute("aria-current"); });
    var current = listEl.querySelector('[data-id="' + id + '"]');
    if (current) { current.setAttribute("aria-current", "true"); }
    getJSON(config.api.actor.replace("{id}", encodeURIComponent(id))).then(function (feature) {
      renderDetail(feature);
      if (push) { detailEl.focus(); }
    }).catch(function (error) {
      detailEl.hidden = false;
      detailEl.textContent = "Fiche indisponible : " + error.message;
    });
  }

  function closeDetail() {
    detailEl.hidden = true;
    state.actor = "";
    if (highlight) { map.removeLayer(highlight); highlight = null; }
    writeState(true);
  }

  function section(title, nodes) {
    nodes = nodes.filter(Boolean);
    if (!nodes.length) { return null; }
    return el("section", {}, [el("h3", {text: title})].concat(nodes));
  }

  function renderDetail(feature) {
    var p = feature.properties;
    detailEl.textContent = "";
    var close = el("button", {type: "button", className: "fermer", "aria-label": "Fermer la fiche", text: "×"});
    close.addEventListener("click", closeDetail);
    var tags = el("p", {className: "etiquettes"});
    p.themes.forEach(function (t) { tags.appendChild(el("span", {className: "etiquette", text: t.label})); });
    var address = [p.address, p.address_extra, [p.postcode, p.city].filter(Boolean).join(" ")].filter(Boolean);
    var hours = null;
    if (p.opening_hours_text) {
      var status = p.open_now === true ? el("p", {className: "ouvert", text: "Ouvert maintenant"})
        : p.open_now === false ? el("p", {className: "ferme", text: "Fermé en ce moment"}) : null;
      var lines = el("ul", {}, p.opening_hours_text.map(function (line) { return el("li", {text: line}); }));
      hours = section("Horaires", [status, lines, p.appointment ? el("p", {text: "Sur rendez-vous."}) : null]);
    }
    var contacts = [];
    if (p.phone) { contacts.push(el("li", {}, [el("a", {href: "tel:" + p.phone.replace(/\s+/g, ""), text: p.phone})])); }
    if (p.email) { contacts.push(el("li", {}, [el("a", {href: "mailto:" + p.email, text: p.email})])); }
    if (/^https?:\/\//.test(p.website || "")) { contacts.push(el("li", {}, [el("a", {href: p.website, rel: "noopener", target: "_blank", text: p.website})])); }
    var initiatives = (p.initiatives || []).map(function (i) { return el("li", {text: i.title}); });
    var share = config.pageUrl + "?actor=" + encodeURIComponent(feature.id) + "&map=" +
      [feature.geometry.coordinates[1].toFixed(5), feature.geometry.coordinates[0].toFixed(5), 15].join(",");
    var shareInput = el("input", {type: "text", readonly: "readonly", value: share, "aria-label": "Lien à partager"});
    var copy = el("button", {type: "button", className: "bouton", text: "Copier le lien"});
    copy.addEventListener("click", function () {
      shareInput.select();
      if (navigator.clipboard) { navigator.clipboard.writeText(share).catch(function () {}); } else { document.execCommand("copy"); }
      copy.textContent = "Lien copié";
    });
    var body = [
      close,
      el("h2", {text: p.name}),
      el("p", {className: "type", text: p.kind_label + (p.itinerant ? " · service itinérant" : "") +
        (p.to_locate ? " · position approximative (" + p.precision_label.toLowerCase() + ")" : "")}),
      tags,
      p.publics.length ? el("p", {className: "publics", text: "Publics : " + p.publics.map(function (x) { return x.label; }).join(", ")}) : null,
      p.description ? el("p", {className: "description", text: p.description}) : null,
      section("Adresse", address.map(function (line) { return el("p", {text: line}); })),
      hours,
      section("Contact", contacts.length ? [el("ul", {}, contacts)] : []),
      section("Initiatives", initiatives.length ? [el("ul", {}, initiatives)] : []),
      section("Partager", [shareInput, copy]),
      el("p", {className: "source", text: "Source : " + p.source + (p.last_verified ? " · vérifié le " + new Date(p.last_verified).toLocaleDateString("fr-FR") : "")})
    ];
    body.forEach(function (node) { if (node) { detailEl.appendChild(node); } });
    detailEl.hidden = false;
  }

  // -- near ----------------------------------------------------------------------
  function setNear(lon, lat, label) {
    state.near = lon.toFixed(6) + "," + lat.toFixed(6);
    state.nearLabel = label;
    state.view = null;
    if (!state.radius) { state.radius = "10"; }
    map.setView([lat, lon], 12);
    changed(true);
  }

  function locate() {
    if (!navigator.geolocation) { countEl.textContent = "La géolocalisation n’est pas disponible dans ce navigateur."; return; }
    countEl.textContent = "Recherche de votre position…";
    navigator.geolocation.getCurrentPosition(function (position) {
      setNear(position.coords.longitude, position.coords.latitude, "ma position");
    }, function (error) {
      countEl.textContent = "Position introuvable (" + error.message + ").";
    }, {enableHighAccuracy: false, timeout: 10000, maximumAge: 60000});
  }

  // -- wiring ----------------------------------------------------------------------
  function start() {
    buildFacets();
    syncForm();
    initMap();
    writeState(false);
    form.addEventListener("submit", function (event) { event.preventDefault(); readForm(); changed(true); });
    form.elements.q.addEventListener("input", function () {
      clearTimeout(debounce);
      debounce = setTimeout(function () { readForm(); changed(false); }, 350);
    });
    form.addEventListener("change", function (event) {
      var target = event.target;
      if (target.name === "overlay") {
        state.overlays = Array.prototype.map.call(form.querySelectorAll('input[name="overlay"]:checked'), function (b) { return b.value; });
        writeState(true);
        refreshOverlays();
        return;
      }
      if (target.name === "mode" || target.name === "level" || target.name === "metric") {
        state.mode = form.querySelector('input[name="mode"]:checked').value;
        state.level = form.elements.level.value;
        state.metric = form.elements.metric.value;
        writeState(true);
        syncForm();
        loadCoverage();
        return;
      }
      if (target.id === "f-territory" || target.id === "f-near" || target.name === "q") { return; }
      readForm();
      changed(true);
    });
    root.querySelector("[data-reset]").addEventListener("click", function () {
      LIST_KEYS.forEach(function (key) { state[key] = []; });
      state.q = ""; state.territory = ""; state.territoryLabel = ""; state.near = ""; state.nearLabel = ""; state.radius = "";
      changed(true);
    });
    root.querySelector("[data-locate]").addEventListener("click", locate);
    combobox(document.getElementById("f-territory"), ["commune", "epci", "bv", "qpv", "departement"], function (result) {
      state.territory = result.kind + ":" + result.code;
      state.territoryLabel = result.label;
      if (result.bbox) { map.fitBounds([[result.bbox[1], result.bbox[0]], [result.bbox[3], result.bbox[2]]]); }
      changed(true);
    });
    combobox(document.getElementById("f-near"), ["commune"], function (result) {
      if (result.center) { setNear(result.center[0], result.center[1], result.label); }
    }, true);
    var toggle = root.querySelector("[data-toggle-list]");
    toggle.addEventListener("click", function () {
      var showing = root.classList.toggle("liste-visible");
      toggle.textContent = showing ? "Carte" : "Liste";
      setTimeout(function () { map.invalidateSize(); }, 50);
    });
    detailEl.addEventListener("keydown", function (event) { if (event.key === "Escape") { closeDetail(); } });
    window.addEventListener("popstate", function () {
      state = readState(window.location.search);
      syncForm();
      if (state.view) { map.setView([state.view[0], state.view[1]], state.view[2]); }
      if (!state.actor) { detailEl.hidden = true; }
      refreshOverlays();
      loadActors();
      loadCoverage();
    });
    refreshOverlays();
    loadActors();
    loadCoverage();
  }

  if (window.L && L.markerClusterGroup) { start(); } else { window.addEventListener("load", start); }
})();
