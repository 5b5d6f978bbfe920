/* carto — the contribution forms (/proposer/acteur/, /proposer/initiative/, and the follow
 * page that amends them): focus on the error summary, then, for an actor, the map
 * picker, the commune (or address) search, the hours in words and the likely duplicates;
 * for an initiative, its organiser and its territories; for an event (/agenda/proposer/),
 * the map picker and the search. Every form works without this
 * script (the position is typed); it only makes them easier. Imports end with « ; »: the
 * production storage rewrites them to the hashed file names. */
import {readConfig} from "./modules/dom.js";
import {combobox, territorySource, addressSource} from "./modules/combobox.js";
import {createPicker} from "./modules/picker.js";
import {hoursPreview} from "./modules/hours.js";
import {createDuplicates} from "./modules/duplicates.js";
import {territoriesChooser, organizerChooser} from "./modules/choosers.js";
import {focusErrorSummary} from "./modules/errors.js";

// After a refused submission, the summary of what to correct is read first.
focusErrorSummary();

const form = document.querySelector("form[data-form]");
const configNode = document.getElementById("propose-config");
const config = configNode ? readConfig("propose-config") : null;

// The map picker and the commune (or address) search of a form with a place: an actor's,
// an event's. `onChange` hears every move of the point.
function placePicker(onChange) {
  const field = form.querySelector('input[name="position"]');
  const precision = form.querySelector('input[name="precision"]');
  const city = form.querySelector('input[name="city"]');
  const place = form.querySelector("[data-place]");
  place.hidden = false;
  const picker = createPicker(place.querySelector("[data-picker]"), field, precision, {
    tiles: config.tiles,
    territories: config.territories,
    center: config.center,
    zoom: config.zoom,
    onBasemapOff() { place.querySelector("[data-basemap-off]").hidden = false; },
    onChange
  });

  const sources = [territorySource(config.search, ["commune"])];
  if (config.geocode) { sources.push(addressSource(config.geocode)); }
  combobox(place.querySelector("[data-place-search]"), {
    sources,
    keepLabel: true,
    onChoose(result) {
      if (!result.center) { return; }
      const [lon, lat] = result.center;
      if (result.kind === "commune") {
        if (!city.value.trim()) { city.value = result.name; }
        picker.place(lat, lon, "commune");
        if (result.bbox) { picker.frame(result.bbox); }
      } else {
        picker.place(lat, lon, "address", 17);
      }
    }
  });
  return picker;
}

function actorForm() {
  const name = form.querySelector('input[name="name"]');
  const siret = form.querySelector('input[name="siret"]');
  const duplicates = createDuplicates(form.querySelector("[data-duplicates]"), config.duplicates);

  function check() {
    const digits = siret.value.replace(/\s+/g, "");
    duplicates.check({name: name.value.trim(), siret: /^\d{14}$/.test(digits) ? digits : "", at: picker.position()});
  }

  const picker = placePicker(check);
  name.addEventListener("change", check);
  siret.addEventListener("change", check);
  hoursPreview(form.querySelector('input[name="opening_hours"]'), form.querySelector("[data-hours-preview]"), config.hours);
  check();
}

function initiativeForm() {
  territoriesChooser(form.querySelector("[data-territories]"), config.search);
  organizerChooser(form.querySelector("[data-organizer]"), config);
}

if (form && config && form.dataset.form === "acteur") { actorForm(); }
if (form && config && form.dataset.form === "initiative") { initiativeForm(); }
if (form && config && form.dataset.form === "evenement") { placePicker(() => {}); }
