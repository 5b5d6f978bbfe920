/* The State's programmes as overlays (Petites villes de demain, Cités éducatives…): one
 * toggle each in state.overlays (its slug), drawn as the outlines of its sites' footprints
 * from the initiatives API (?programme=…&zoom=…, in the view), with text tooltips. The
 * colours are the CSS classes programme-<slug> (carte.css), shared with the toggles. */
import {L} from "./leaflet.js";
import {asText} from "./dom.js";
import {getJSON} from "./api.js";
import {plural} from "./format.js";

const PAGE_SIZE = 500;
const MAX_SITES = 3000;

// "Cités éducatives : Lens (3 communes)".
function tooltip(label, p) {
  const communes = (p.footprint || []).filter((code) => code.startsWith("commune:")).length;
  return label + " : " + p.title + (communes > 1 ? " (" + plural(communes, "commune") + ")" : "");
}

// Every site of the programme in `bbox` at `zoom`, page after page (up to MAX_SITES).
async function sites(url, slug, bbox, zoom) {
  let features = [];
  for (let page = 1; ; page += 1) {
    const params = new URLSearchParams({programme: slug, bbox, zoom: String(zoom), page: String(page), page_size: String(PAGE_SIZE)});
    const data = await getJSON(url + "?" + params);
    features = features.concat(data.features);
    if (!data.truncated || features.length >= MAX_SITES) { return features; }
  }
}

/* `programmes`: [{slug, label}] from the page's configuration; `url`: the initiatives API.
 * refresh() after a move or a change of state.overlays; `root` gets data-programmes-<slug>
 * with the number of sites drawn (or "error"). */
export function createProgrammes(map, root, url, programmes, state) {
  const layers = {};
  const asked = {};
  programmes.forEach(({slug, label}) => {
    asked[slug] = 0;
    // className is read when each outline is created: an option of the layer, not of `style`.
    layers[slug] = L.geoJSON(null, {
      className: "programme programme-" + slug,
      style: {weight: 2, fillOpacity: 0.15},
      onEachFeature(feature, layer) { layer.bindTooltip(asText(tooltip(label, feature.properties)), {sticky: true}); }
    });
  });

  function refresh() {
    const bounds = map.getBounds().pad(0.2);
    const bbox = [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()]
      .map((v, i) => Math.max(i % 2 ? -90 : -180, Math.min(i % 2 ? 90 : 180, v)).toFixed(4)).join(",");
    const zoom = Math.min(map.getZoom(), 14);
    programmes.forEach(({slug}) => {
      const layer = layers[slug];
      const question = ++asked[slug];
      if (!state.overlays.includes(slug)) {
        map.removeLayer(layer);
        root.removeAttribute("data-programmes-" + slug);
        return;
      }
      sites(url, slug, bbox, zoom).then((features) => {
        if (question !== asked[slug]) { return; }
        layer.clearLayers();
        layer.addData({type: "FeatureCollection", features});
        layer.addTo(map);
        root.setAttribute("data-programmes-" + slug, String(features.length));
      }).catch(() => {
        if (question === asked[slug]) { root.setAttribute("data-programmes-" + slug, "error"); }
      });
    });
  }

  return {refresh};
}
