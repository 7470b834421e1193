// The control strip: clock speed-up and the flood button; then the live stream starts.
"use strict";

(() => {
  const { post, attempt } = Sandbox;
  const $ = (id) => document.getElementById(id);

  function show(state) {
    if (state.speed !== undefined) $("speed").checked = state.speed !== 1;
    if (state.note) $("control-note").textContent = state.note;
  }

  $("speed").addEventListener("change", async (event) => {
    const answer = await attempt(() => post("/api/controls/speed", { fast: event.target.checked }));
    if (answer) show(answer); else event.target.checked = !event.target.checked;
  });

  Sandbox.config.then((config) => {
    $("kecamatan").textContent = `· ${config.title}`;
    $("speed-label").textContent = `1 menit = ${config.fast_factor / 60} jam`;
    $("flood-label").textContent = `Banjir (${config.flood_size} laporan)`;
    $("speed").checked = config.speed !== 1;
    $("flood").addEventListener("click", async () => {
      $("flood").disabled = true;
      $("control-note").textContent = "Mengirim laporan…";
      const answer = await attempt(() => post("/api/controls/flood", { n: config.flood_size }));
      $("flood").disabled = false;
      if (answer) show(answer);
    });
    Sandbox.connect();
  });

  window.addEventListener("sandbox:controls", (event) => show(event.detail));
})();
