/* carto — pages à imprimer (annuaire, feuille de route, fiche territoire) : le bouton
 * « Imprimer ». Wired here rather than in an onclick attribute: the pages are served with
 * a Content-Security-Policy that refuses inline scripts. */
(function () {
  "use strict";
  document.querySelectorAll("[data-print-page]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
