// « Autour de ma position » on /agenda/: the browser's position becomes `near` (lon,lat),
// the commune typed is cleared, and the form is sent. Nothing else runs on the page.
const button = document.getElementById("autour");
const form = document.getElementById("filtres");
if (button && form && "geolocation" in navigator) {
  button.hidden = false;
  button.addEventListener("click", () => {
    button.disabled = true;
    button.textContent = "Position en cours…";
    navigator.geolocation.getCurrentPosition(
      (position) => {
        const { longitude, latitude } = position.coords;
        form.elements.near.value = `${longitude.toFixed(5)},${latitude.toFixed(5)}`;
        form.elements.lieu.value = "";
        form.submit();
      },
      () => {
        button.disabled = false;
        button.textContent = "Position indisponible : tapez votre commune";
      },
      { timeout: 10000, maximumAge: 600000 },
    );
  });
}
