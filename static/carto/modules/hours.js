/* The live preview of opening hours in French words, asked of the server (the project's
 * opening-hours module, built on opening-hours-py) as one types. */
import {getJSON} from "./api.js";

/* `input`: the hours field; `output`: an aria-live element for the preview; `url`: the
 * preview endpoint (?h=…), answering {valid, text, error}. */
export function hoursPreview(input, output, url) {
  let timer;
  let asked = 0;

  function show(text, valid) {
    output.textContent = text;
    output.classList.toggle("invalide", !valid);
  }

  function update() {
    const value = input.value.trim();
    const question = ++asked;
    if (!value) { show("", true); return; }
    getJSON(url + "?" + new URLSearchParams({h: value})).then((answer) => {
      if (question !== asked) { return; }
      if (answer.valid) { show("Sur la fiche : " + answer.text, true); }
      else { show("Horaires non reconnus : " + answer.error, false); }
    }).catch(() => { if (question === asked) { show("", true); } });
  }

  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(update, 300); });
  update();
}
