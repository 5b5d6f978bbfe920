/* carto — printable pages (directory, roadbook, territory sheet): the « Imprimer » button,
 * wired here rather than in an onclick attribute: the Content-Security-Policy refuses
 * inline scripts. */
document.querySelectorAll("[data-print-page]").forEach((button) => {
  button.addEventListener("click", () => window.print());
});
