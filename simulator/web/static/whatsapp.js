// The citizen's WhatsApp pane: pick a citizen and the business number they write to (one per kecamatan, and a
// kabupaten-wide one if the install has it), read that chat, send, tap buttons, choose list rows.
"use strict";

(() => {
  const { el, icon, get, post, attempt, reloader, syncList, keepAtBottom, readFile, toast } = Sandbox;
  const $ = (id) => document.getElementById(id);
  const box = $("wa-messages");
  const TICKS = { sent: "✓", delivered: "✓✓", read: "✓✓", failed: "!" };
  let current = localStorage.getItem("sandbox.citizen");
  let number = localStorage.getItem("sandbox.number");
  let numbers = [];
  const unseen = new Set();  // numbers the current citizen got news from while another was shown
  let map = null;
  let picked = null;

  const url = (path = "") => `/api/whatsapp/numbers/${number}/citizens/${current}${path}`;
  const numberOf = (id) => numbers.find((n) => n.id === id);

  // WhatsApp's own markup: *bold*, _italic_, ~strike~, ```mono```.
  function formatted(text) {
    const parts = [];
    const pattern = /```([\s\S]+?)```|\*([^*\n]+)\*|_([^_\n]+)_|~([^~\n]+)~/g;
    let last = 0;
    for (const match of text.matchAll(pattern)) {
      parts.push(text.slice(last, match.index));
      const [, mono, bold, italic, strike] = match;
      if (mono) parts.push(el("code", { text: mono }));
      else if (bold) parts.push(el("b", { text: bold }));
      else if (italic) parts.push(el("i", { text: italic }));
      else parts.push(el("s", { text: strike }));
      last = match.index + match[0].length;
    }
    parts.push(text.slice(last));
    return el("div", { class: "wa-text" }, parts);
  }

  function location(m) {
    return el("div", { class: "wa-location" },
      map ? SandboxMap.mini(map, m.latitude, m.longitude) : null,
      el("div", { class: "wa-place" },
        m.name ? el("b", { text: m.name }) : null,
        m.address ? el("div", { text: m.address }) : null,
        el("small", { text: `${Number(m.latitude).toFixed(5)}, ${Number(m.longitude).toFixed(5)}` })));
  }

  const MEDIA_KINDS = ["image", "sticker", "audio", "video", "document"];

  // What to draw: the message's own kind, or for a button/list message the kind of its media header.
  function mediaKind(m) {
    if (MEDIA_KINDS.includes(m.kind)) return m.kind;
    const type = (m.mime || "").split("/")[0];
    return ["image", "video"].includes(type) ? type : "document";
  }

  function media(m) {
    const kind = mediaKind(m);
    if (!m.media) return el("div", { class: "muted", text: `[${m.kind}]` });
    if (kind === "image" || kind === "sticker") return el("img", { src: m.media, alt: m.text || "foto", class: "wa-image" });
    if (kind === "audio") {
      return el("div", { class: "wa-voice" }, icon("mic"),
        el("audio", { controls: true, preload: "metadata", src: m.media }));
    }
    if (kind === "video") return el("video", { controls: true, src: m.media, class: "wa-image" });
    return el("a", { href: m.media, target: "_blank", class: "wa-doc" }, icon("doc"), m.filename || "Dokumen");
  }

  function template(t) {
    return el("div", { class: "wa-template" },
      el("small", { class: "muted", text: `Templat · ${t.name}` }),
      t.params.map((p) => formatted(p)));
  }

  function content(m) {
    const parts = [];
    if (m.header) parts.push(el("div", { class: "wa-header-text", text: m.header }));
    if (MEDIA_KINDS.includes(m.kind) || (m.media && ["buttons", "list"].includes(m.kind))) parts.push(media(m));
    if (m.kind === "location") parts.push(location(m));
    if (m.template) parts.push(template(m.template));
    if (m.kind === "reaction") parts.push(el("div", { class: "wa-reaction", text: `${m.emoji || ""} (reaksi)` }));
    if (m.text) parts.push(formatted(m.text));
    if (m.footer) parts.push(el("div", { class: "wa-footer", text: m.footer }));
    if (!parts.length) parts.push(el("div", { class: "muted", text: `[${m.kind}]` }));
    return parts;
  }

  function actions(m) {
    if (m.mine) return null;
    if (m.kind === "buttons") {
      return el("div", { class: "wa-buttons" }, m.buttons.map((title) => el("button", {
        type: "button", disabled: !m.active, text: title,
        onclick: () => send("/tap", { title }),
      })));
    }
    if (m.kind === "list") {
      return el("div", { class: "wa-buttons" }, el("button", {
        type: "button", disabled: !m.active, onclick: () => openList(m),
      }, icon("list"), ` ${m.list_button || "Pilih"}`));
    }
    if (m.kind === "location_request") {
      return el("div", { class: "wa-buttons" }, el("button", { type: "button", onclick: openLocation }, icon("pin"), " Kirim lokasi"));
    }
    if (m.cta) {
      return el("div", { class: "wa-buttons" }, el("a", { href: m.cta.url, target: "_blank", class: "button", text: `↗ ${m.cta.label}` }));
    }
    return null;
  }

  function bubble(m) {
    const meta = el("span", { class: "wa-meta" }, m.time,
      m.mine ? el("span", { class: `tick ${m.tick}`, title: m.tick, text: ` ${TICKS[m.tick] || ""}` }) : null);
    return el("div", { class: `wa-row ${m.mine ? "mine" : "theirs"}`, "data-kind": m.kind },
      el("div", { class: "wa-bubble" }, content(m), meta), actions(m));
  }

  const reloadChat = reloader(async () => {
    if (!current) { box.replaceChildren(); return; }
    render(await get(url()));
  });

  function render(view) {
    if (view.citizen.number !== number || view.citizen.wa_id !== current) return;  // an answer from before a switch
    $("wa-me").textContent = view.citizen.name || `+${view.citizen.wa_id}`;
    keepAtBottom(box, () => syncList(box, view.messages, (m) => m.id, bubble));
  }

  function label(c) {
    return `${c.name || "Tanpa nama"} · +${c.wa_id}`;
  }

  const reloadCitizens = reloader(async () => {
    let list = await get("/api/whatsapp/citizens");
    if (!list.length) {
      await post("/api/whatsapp/citizens", { phone: "0812 4000 1001", name: "Sitti Rahma" });
      list = await get("/api/whatsapp/citizens");
    }
    if (!list.some((c) => c.wa_id === current)) current = list[0].wa_id;
    const select = $("wa-citizen");
    select.replaceChildren(...list.map((c) => el("option", { value: c.wa_id, text: label(c) })));
    select.value = current;
  });

  function choose(wa_id) {
    current = wa_id;
    localStorage.setItem("sandbox.citizen", wa_id);
    unseen.clear();
    fillNumbers();
    box.replaceChildren();
    reloadChat();
  }

  function fillNumbers() {
    $("wa-number").replaceChildren(...numbers.map((n) => el("option", {
      value: n.id, text: `${unseen.has(n.id) ? "● " : ""}${n.label} · ${n.display}`,
    })));
    $("wa-number").value = number;
  }

  // Chat with another business number: its chat, its kecamatan's map; the Telegram columns follow (telegram.js).
  function switchNumber(id) {
    const chosen = numberOf(id) || numbers[0];
    number = chosen.id;
    localStorage.setItem("sandbox.number", number);
    unseen.delete(number);
    fillNumbers();
    $("wa-business").textContent = `${chosen.label} · ${chosen.display}`;
    map = chosen.map;
    picked = null;
    $("wa-picked").textContent = "Klik peta untuk memilih titik.";
    $("wa-send-picked").disabled = true;
    SandboxMap.picker($("wa-map"), map, (latitude, longitude) => {
      picked = { latitude, longitude };
      $("wa-picked").textContent = `Titik: ${latitude}, ${longitude}`;
      $("wa-send-picked").disabled = false;
    });
    $("wa-presets").replaceChildren(...map.presets.map((place) => el("button", {
      type: "button", class: "chip", title: place.address,
      onclick: async () => { closeSheets(); await send("/location", place); },
    }, icon("pin"), place.name)));
    closeSheets();
    box.replaceChildren();
    window.dispatchEvent(new CustomEvent("sandbox:number", { detail: chosen }));
  }

  async function send(path, data) {
    await ready;
    const view = await attempt(() => post(url(path), data));
    if (view) render(view);
    return view;
  }

  function closeSheets() {
    for (const sheet of document.querySelectorAll(".phone .sheet")) sheet.hidden = true;
  }

  function openList(m) {
    const sheet = $("wa-list-sheet");
    const sections = new Map();
    for (const row of m.rows) {
      const key = row.section || "";
      if (!sections.has(key)) sections.set(key, []);
      sections.get(key).push(row);
    }
    sheet.replaceChildren(
      el("div", { class: "sheet-title" }, m.list_button || "Pilih", el("button", { type: "button", class: "close", "data-close": true, text: "✕" })),
      ...[...sections].map(([title, rows]) => el("div", { class: "sheet-section" },
        title ? el("div", { class: "sheet-section-title", text: title }) : null,
        rows.map((row) => el("button", {
          type: "button", class: "sheet-item row",
          onclick: async () => { closeSheets(); await send("/choose", { title: row.title }); },
        }, el("span", { text: row.title }), row.description ? el("small", { text: row.description }) : null)))));
    closeSheets();
    sheet.hidden = false;
  }

  function openLocation() {
    closeSheets();
    $("wa-location-sheet").hidden = false;
  }

  async function sendPhoto(data) {
    const caption = $("wa-text").value.trim() || null;
    if (await send("/image", { ...data, caption })) $("wa-text").value = "";
  }

  // --- wiring -------------------------------------------------------------------------------------
  $("wa-citizen").addEventListener("change", (event) => choose(event.target.value));
  $("wa-number").addEventListener("change", (event) => { switchNumber(event.target.value); reloadChat(); });
  $("wa-add").addEventListener("click", () => { $("wa-new").hidden = !$("wa-new").hidden; $("wa-new-phone").focus(); });
  $("wa-new").addEventListener("submit", async (event) => {
    event.preventDefault();
    const made = await attempt(() => post("/api/whatsapp/citizens", { phone: $("wa-new-phone").value, name: $("wa-new-name").value, number }));
    if (!made) return;
    $("wa-new").hidden = true;
    $("wa-new").reset();
    current = made.wa_id;
    await reloadCitizens();
    choose(made.wa_id);
  });
  $("wa-composer").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $("wa-text");
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    if (!(await send("/text", { text }))) input.value = text;
  });
  $("wa-attach").addEventListener("click", () => { const s = $("wa-attach-sheet"); const open = s.hidden; closeSheets(); s.hidden = !open; });
  $("wa-voice").addEventListener("click", () => send("/voice", {}));
  $("wa-voice-sample").addEventListener("click", () => { closeSheets(); send("/voice", {}); });
  $("wa-photo-sample").addEventListener("click", () => { closeSheets(); sendPhoto({ sample: true }); });
  $("wa-photo-disk").addEventListener("click", () => { closeSheets(); $("wa-file").click(); });
  $("wa-location-open").addEventListener("click", openLocation);
  $("wa-file").addEventListener("change", async (event) => {
    const file = event.target.files[0];
    event.target.value = "";
    if (!file) return;
    const data = await attempt(() => readFile(file));
    if (data) await sendPhoto({ data, mime: file.type || "image/jpeg" });
  });
  $("wa-send-picked").addEventListener("click", async () => {
    if (!picked) return;
    closeSheets();
    await send("/location", picked);
  });

  // Sending waits for this: the citizen list (with a first citizen) is there.
  const ready = Sandbox.config.then(async (config) => {
    numbers = config.numbers;
    $("wa-number-row").hidden = numbers.length < 2;  // one number: nothing to switch
    switchNumber(numberOf(number) ? number : config.default_number);
    await reloadCitizens();
    await reloadChat();
  }).catch((error) => toast(error.message));

  window.addEventListener("sandbox:whatsapp", (event) => {
    const { wa_id, number: changed } = event.detail;
    if (wa_id === current && changed === number) reloadChat();
    else if (wa_id === current && numberOf(changed) && !unseen.has(changed)) { unseen.add(changed); fillNumbers(); }
    if (!$("wa-citizen").querySelector(`option[value="${wa_id}"]`)) reloadCitizens();
  });
  window.addEventListener("sandbox:ready", () => { reloadCitizens().then(() => reloadChat()); });
})();
