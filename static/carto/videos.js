// « Lire la vidéo ici »: only this click creates the player's frame, so the video's site
// is not contacted before the visitor asks (carto/agenda/videos.py derives the address
// from an allow-list; the page's CSP frames exactly those players).
for (const button of document.querySelectorAll("button.video-lire")) {
  button.addEventListener("click", () => {
    const frame = document.createElement("iframe");
    frame.src = button.dataset.player;
    frame.title = button.dataset.title || "Vidéo";
    frame.className = "video-lecteur";
    frame.allow = "fullscreen; picture-in-picture";
    frame.referrerPolicy = "strict-origin-when-cross-origin";
    frame.loading = "lazy";
    const holder = button.closest(".video");
    holder.replaceChildren(frame, ...holder.querySelectorAll("a"));
    frame.focus();
  });
}
