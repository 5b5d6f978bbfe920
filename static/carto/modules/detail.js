/* The detail panel: an actor's sheet (type, how precise its place is, themes, address,
 * hours, services, access, amenities, funded posts, network and labels, contact,
 * initiatives, every source, a link to share, « Signaler une erreur »), loaded from the
 * API, closed with its button or Escape. */
import {el, copyField, readConfig} from "./dom.js";
import {getJSON} from "./api.js";
import {pastille} from "./legend.js";

function section(title, nodes) {
  nodes = nodes.filter(Boolean);
  return nodes.length ? el("section", {}, [el("h3", {text: title})].concat(nodes)) : null;
}

function hours(p) {
  if (!p.opening_hours_text) { return null; }
  const status = p.open_now === true ? el("p", {className: "ouvert", text: "Ouvert maintenant"})
    : p.open_now === false ? el("p", {className: "ferme", text: "Fermé en ce moment"}) : null;
  const lines = el("ul", {}, p.opening_hours_text.map((line) => el("li", {text: line})));
  return section("Horaires", [status, lines, p.appointment ? el("p", {text: "Sur rendez-vous."}) : null]);
}

function contacts(p) {
  const items = [];
  if (p.phone) { items.push(el("a", {href: "tel:" + p.phone.replace(/\s+/g, ""), text: p.phone})); }
  if (p.email) { items.push(el("a", {href: "mailto:" + p.email, text: p.email})); }
  if (/^https?:\/\//.test(p.website || "")) { items.push(el("a", {href: p.website, rel: "noopener", target: "_blank", text: p.website})); }
  return section("Contact", items.length ? [el("ul", {}, items.map((link) => el("li", {}, [link])))] : []);
}

// Where the point stands when it is not the place's address.
const APPROXIMATE = {
  commune: "Position approximative : centre de la commune",
  departement: "Position approximative : centre du département"
};

function approximate(p) {
  const text = APPROXIMATE[p.precision] || (p.to_locate ? "Position approximative (" + p.precision_label.toLowerCase() + ")" : "");
  return text ? el("p", {className: "approximatif", role: "note", text: text + "."}) : null;
}

// « accueille 2 postes d’adultes-relais »: the words of each post, singular and plural.
const POSTS = {"adultes-relais": ["poste d’adulte-relais", "postes d’adultes-relais"], fonjep: ["poste FONJEP", "postes FONJEP"]};

function fundedPost(post) {
  const [one, many] = POSTS[post.slug] || [post.label, post.label];
  return "accueille " + post.count + " " + (post.count > 1 ? many : one);
}

function items(values) {
  return values && values.length ? [el("ul", {}, values.map((value) => el("li", {text: value})))] : [];
}

function offer(p) {
  const network = [p.network].concat(p.labels || []).filter(Boolean);
  return [
    section("Services", items(p.services)),
    section("Conditions d’accès", items(p.access_conditions)),
    section("Équipements", (p.amenities || []).length ? [el("p", {className: "etiquettes"}, p.amenities.map((a) => el("span", {className: "etiquette", text: a.label})))] : []),
    section("Postes financés", items((p.funded_posts || []).map(fundedPost))),
    section("Réseau et labels", items(network))
  ];
}

// Every source that lists the place, by its title when the page knows it.
function sources(p, titles) {
  const list = (p.sources || []).length ? p.sources : [{source: p.source, source_id: p.source_id || "", url: p.source_url || ""}];
  return section("Sources", [el("ul", {className: "sources"}, list.map((s) => {
    const name = (titles[s.source] || s.source) + (s.source_id ? " (" + s.source_id + ")" : "");
    return el("li", {}, [/^https?:\/\//.test(s.url || "") ? el("a", {href: s.url, rel: "noopener", target: "_blank", text: name}) : document.createTextNode(name)]);
  }))]);
}

// The link to the map centred on the actor, with its sheet open, and a button to copy it.
function sharing(pageUrl, feature) {
  const [lon, lat] = feature.geometry.coordinates;
  const share = pageUrl + "?actor=" + encodeURIComponent(feature.id) + "&map=" + [lat.toFixed(5), lon.toFixed(5), 15].join(",");
  const field = el("input", {type: "text", readonly: "readonly", value: share, "aria-label": "Lien à partager"});
  const copy = el("button", {type: "button", className: "bouton", text: "Copier le lien"});
  copy.addEventListener("click", () => { copyField(field); copy.textContent = "Lien copié"; });
  return section("Partager", [field, copy]);
}

// « Signaler une erreur » on the actor and on each of its initiatives: links to their
// report forms, from the URLs of the page's configuration ({id} replaced).
function reporting(feature, report) {
  if (!report) { return null; }
  const target = report.newTab ? {target: "_blank", rel: "noopener"} : {};
  const link = (template, id, text) => el("li", {}, [
    el("a", {href: template.replace("{id}", encodeURIComponent(id)), ...target, text})
  ]);
  const links = [link(report.actor, feature.id, "Signaler une erreur sur cette fiche")].concat(
    (feature.properties.initiatives || []).map((i) => link(report.initiative, i.id, "Signaler une erreur sur l’initiative « " + i.title + " »"))
  );
  return section("Une information inexacte ?", [el("ul", {className: "signaler"}, links)]);
}

// The report links' URLs from the page's configuration (json_script « carto-config »);
// in the widget, framed by another site, they open in a new tab.
function pageReport() {
  if (!document.getElementById("carto-config")) { return null; }
  const config = readConfig("carto-config");
  return config.report ? {...config.report, newTab: Boolean(config.embed)} : null;
}

function render(feature, pageUrl, titles, onClose, report) {
  const p = feature.properties;
  const close = el("button", {type: "button", className: "fermer", "aria-label": "Fermer la fiche", text: "×"});
  close.addEventListener("click", onClose);
  const kind = p.kind_label + (p.itinerant ? " · service itinérant" : "");
  const address = [p.address, p.address_extra, [p.postcode, p.city].filter(Boolean).join(" ")].filter(Boolean);
  const initiatives = (p.initiatives || []).map((i) => el("li", {text: i.title}));
  const verified = p.last_verified ? "Vérifié le " + new Date(p.last_verified).toLocaleDateString("fr-FR") + "." : "";
  return [
    close,
    el("h2", {text: p.name}),
    el("p", {className: "type"}, [pastille(p.kind), document.createTextNode(" " + kind)]),
    approximate(p),
    el("p", {className: "etiquettes"}, p.themes.map((t) => el("span", {className: "etiquette", text: t.label}))),
    p.publics.length ? el("p", {className: "publics", text: "Publics : " + p.publics.map((x) => x.label).join(", ")}) : null,
    p.description ? el("p", {className: "description", text: p.description}) : null,
    section("Adresse", address.map((line) => el("p", {text: line}))),
    hours(p),
    ...offer(p),
    contacts(p),
    section("Initiatives", initiatives.length ? [el("ul", {}, initiatives)] : []),
    sharing(pageUrl, feature),
    reporting(feature, report),
    sources(p, titles),
    verified ? el("p", {className: "source", text: verified}) : null
  ].filter(Boolean);
}

/* `element`: the panel; `url`: the actor API's URL with {id}; `sources`: {source: title};
 * `report`: {actor, initiative} URLs of the report forms with {id} (by default the page's
 * configuration's); onClose() from its button or Escape. open(id, focus) loads and shows
 * an actor (the last asked wins); hide(). */
export function createDetail(element, {url, pageUrl, sources: titles = {}, onClose, report = pageReport()}) {
  let asked = 0;
  element.addEventListener("keydown", (event) => { if (event.key === "Escape") { onClose(); } });

  function open(id, focus) {
    const question = ++asked;
    getJSON(url.replace("{id}", encodeURIComponent(id))).then((feature) => {
      if (question !== asked) { return; }
      element.replaceChildren(...render(feature, pageUrl, titles, onClose, report));
      element.hidden = false;
      if (focus) { element.focus(); }
    }).catch((error) => {
      if (question !== asked) { return; }
      element.hidden = false;
      element.textContent = "Fiche indisponible : " + error.message;
    });
  }

  function hide() {
    asked += 1;
    element.hidden = true;
  }

  return {open, hide};
}
