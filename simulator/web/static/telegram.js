// The Telegram columns: each kecamatan's desk and field groups, the agencies' groups, the kabupaten's chat and the
// private chats with the bot; act as a member of the chat. The columns follow the number the citizen writes to.
"use strict";

(() => {
  const { el, icon, get, post, attempt, reloader, syncList, keepAtBottom, readFile, toast, alertBox } = Sandbox;
  const COLORS = ["#e17076", "#faa774", "#a695e7", "#7bc862", "#6ec9cb", "#65aadd", "#ee7aae"];
  let chats = [];
  let users = [];
  let config = null;
  let follow = null;  // the kecamatan of the number the citizen writes to, once whatsapp.js says
  const unseen = new Set();  // chats that changed while no column showed them

  const TAGS = { bold: "b", italic: "i", underline: "u", strikethrough: "s", code: "code", pre: "pre", blockquote: "blockquote", expandable_blockquote: "blockquote" };

  function entityNode(entity, text) {
    if (entity.type === "text_link" || entity.type === "url") {
      const href = entity.type === "url" ? text : entity.url;
      return /^https?:\/\//.test(href || "") ? el("a", { href, target: "_blank", rel: "noopener" }) : el("span");
    }
    if (entity.type === "spoiler") return el("span", { class: "spoiler", onclick: (e) => e.currentTarget.classList.add("shown") });
    if (["mention", "hashtag", "bot_command", "cashtag", "text_mention"].includes(entity.type)) return el("span", { class: "tg-link" });
    return el(TAGS[entity.type] || "span");
  }

  // Telegram's entities (offsets in UTF-16 units, as JavaScript strings count) as safe DOM nodes.
  function withEntities(text, entities) {
    const root = el("div", { class: "tg-text" });
    const sorted = (entities || []).slice().sort((a, b) => a.offset - b.offset || b.length - a.length);
    function build(start, end, list, parent) {
      let pos = start;
      let i = 0;
      while (i < list.length) {
        const entity = list[i];
        if (entity.offset < pos) { i += 1; continue; }
        const stop = Math.min(entity.offset + entity.length, end);
        if (entity.offset > pos) parent.append(text.slice(pos, entity.offset));
        const inner = [];
        let j = i + 1;
        while (j < list.length && list[j].offset < stop) { inner.push(list[j]); j += 1; }
        const node = entityNode(entity, text.slice(entity.offset, stop));
        build(entity.offset, stop, inner, node);
        parent.append(node);
        pos = stop;
        i = j;
      }
      if (pos < end) parent.append(text.slice(pos, end));
    }
    build(0, text.length, sorted, root);
    return root;
  }

  function color(id) {
    return COLORS[Math.abs(Number(id)) % COLORS.length];
  }

  // Consecutive messages of one album become one item.
  function grouped(messages) {
    const items = [];
    for (const m of messages) {
      const last = items[items.length - 1];
      if (m.album && last && last.album === m.album) last.parts.push(m);
      else items.push({ ...m, parts: [m] });
    }
    return items;
  }

  const KINDS = { desk: "meja verifikasi", field: "petugas lapangan", agency: "grup instansi", kabupaten: "grup kabupaten", camat: "obrolan pribadi camat", private: "obrolan pribadi", group: "grup" };

  // Under the chat's name: where it belongs, e.g. "Kecamatan Galesong · meja verifikasi".
  function chatPlace(chat) {
    if (!chat) return "";
    return chat.kecamatan && chat.kind !== "camat" ? `${chat.section} · ${KINDS[chat.kind]}` : KINDS[chat.kind] || "";
  }

  function chatLabel(chat) {
    return `${unseen.has(chat.id) ? "● " : ""}${chat.label}`;
  }

  // A kecamatan's chats show on its map; the others on the map of the first number.
  function mapFor(chat) {
    const own = chat && config.numbers.find((n) => n.kecamatan && n.kecamatan === chat.kecamatan);
    return (own || config.numbers[0] || config).map;
  }

  // The chat of this kind (desk, field) in a kecamatan, if it has one.
  function chatOf(kecamatan, kind) {
    return chats.find((c) => c.kecamatan === kecamatan && c.kind === kind);
  }

  // The chat list as the select shows it: grouped by kecamatan, then agencies, kabupaten, private chats.
  function chatOptions() {
    const sections = new Map();
    for (const chat of chats) {
      if (!sections.has(chat.section)) sections.set(chat.section, []);
      sections.get(chat.section).push(chat);
    }
    return [...sections].map(([section, list]) => el("optgroup", { label: section },
      list.map((c) => el("option", { value: c.id, text: chatLabel(c) }))));
  }

  function userLabel(user) {
    return user.label;
  }

  class Column {
    constructor(root, chatId) {
      root.append(document.getElementById("tg-column").content.cloneNode(true));
      this.root = root;
      this.chatId = chatId;
      this.replyTo = null;
      this.find = (selector) => root.querySelector(selector);
      this.box = this.find(".tg-messages");
      this.reload = reloader(() => this.load());
      this.find(".tg-chat").addEventListener("change", (event) => this.open(Number(event.target.value)));
      this.find(".tg-user").addEventListener("change", () => { this.box.replaceChildren(); this.reload(); });
      this.find(".tg-reply .close").addEventListener("click", () => this.setReply(null));
      this.find(".tg-composer").addEventListener("submit", (event) => { event.preventDefault(); this.sendText(); });
      this.find(".tg-sample").addEventListener("click", () => this.sendPhotos({ sample: true }));
      this.find(".tg-photo").addEventListener("click", () => this.find(".tg-file").click());
      this.find(".tg-file").addEventListener("change", (event) => this.pickFiles(event.target));
      this.find(".tg-location-open").addEventListener("click", () => this.toggleLocation());
      this.find(".tg-location .close").addEventListener("click", () => { this.find(".tg-location").hidden = true; });
      this.find(".tg-location").addEventListener("submit", (event) => { event.preventDefault(); this.sendLocation(); });
    }

    get chat() {
      return chats.find((c) => c.id === this.chatId);
    }

    get userId() {
      return Number(this.find(".tg-user").value);
    }

    fill() {
      const select = this.find(".tg-chat");
      select.replaceChildren(...chatOptions());
      select.value = this.chatId;
      this.fillUsers();
    }

    fillUsers() {
      const select = this.find(".tg-user");
      const keep = select.value;
      const chat = this.chat;
      const members = chat ? users.filter((u) => chat.members.includes(u.id)) : [];
      const allowed = chat && chat.type === "private" ? users.filter((u) => u.id === chat.owner)
        : members.length ? members : users;
      select.replaceChildren(...allowed.map((u) => el("option", { value: u.id, text: `Sebagai: ${userLabel(u)}` })));
      const preferred = allowed.find((u) => String(u.id) === keep) || this.defaultUser(allowed);
      if (preferred) select.value = preferred.id;
      this.find(".tg-sub").textContent = chatPlace(chat);
      this.find(".tg-avatar").replaceChildren(icon(chat && chat.type === "private" ? "lock" : "group"));
      this.root.dataset.chat = this.chatId;
      this.box.dataset.empty = this.emptyHint(chat);
    }

    // What an empty chat says, so a newcomer knows where to start.
    emptyHint(chat) {
      const kind = chat ? chat.kind : "field";
      if (kind === "desk") return "Belum ada laporan. Kirim laporan sebagai warga di WhatsApp ke nomor kecamatan ini: kartunya muncul di sini untuk diverifikasi.";
      if (kind === "private" || kind === "camat") return "Obrolan pribadi dengan bot. Ketik /start, /ringkasan atau /tiket NOMOR.";
      if (kind === "agency") return "Belum ada kasus. Laporan yang diteruskan meja kecamatan ke instansi ini muncul di sini.";
      if (kind === "kabupaten") return "Belum ada pesan. Eskalasi yang melewati camat dan perbandingan kecamatan pagi hari muncul di sini.";
      return "Belum ada kartu. Laporan yang sudah diverifikasi di grup meja muncul di sini; ketuk Ambil untuk menanganinya.";
    }

    defaultUser(allowed) {
      const kind = this.chat ? this.chat.kind : "field";
      const want = kind === "desk" ? /verif/i : kind === "field" ? /lapangan|officer/i : /./;
      const camats = new Set(chats.filter((c) => c.kind === "camat").map((c) => c.owner));
      return allowed.find((u) => want.test(u.label) && !camats.has(u.id)) || allowed.find((u) => !camats.has(u.id))
        || allowed[0];
    }

    open(chatId) {
      this.chatId = chatId;
      this.find(".tg-chat").value = chatId;  // also when the column follows the citizen's number
      if (unseen.delete(chatId)) for (const column of columns) column.fill();
      this.setReply(null);
      this.box.replaceChildren();
      this.fillUsers();
      this.reload();
    }

    async load() {
      const view = await get(`/api/telegram/chats/${this.chatId}`);
      this.render(view);
    }

    render(view) {
      if (view.chat.id !== this.chatId) return;  // an answer from before the column switched chats
      keepAtBottom(this.box, () => syncList(this.box, grouped(view.messages), (m) => String(m.id), (m) => this.bubble(m)));
    }

    setReply(message) {
      this.replyTo = message;
      const bar = this.find(".tg-reply");
      bar.hidden = !message;
      if (message) {
        this.find(".tg-reply-text").textContent = `Membalas ${message.sender.name}: ${message.text || message.caption || "Foto"}`;
        this.find(".tg-input").focus();
      }
    }

    bubble(item) {
      const first = item.parts[0];
      const mine = first.sender.id === this.userId;
      const isGroup = this.chat && this.chat.type !== "private";
      const parts = [];
      if (isGroup && !mine) {
        parts.push(el("div", { class: "tg-sender", style: `color:${color(first.sender.id)}` }, first.sender.name,
          first.sender.is_bot ? el("span", { class: "badge", text: "bot" }) : null));
      }
      if (first.reply_to) {
        parts.push(el("div", { class: "tg-quote", onclick: () => this.scrollTo(first.reply_to.id) },
          el("b", { text: first.reply_to.sender }), el("div", { text: first.reply_to.text })));
      }
      const photos = item.parts.filter((m) => m.photo);
      if (photos.length) {
        parts.push(el("div", { class: `tg-photos n${Math.min(photos.length, 4)}` },
          photos.map((m) => el("img", { src: m.photo.url, alt: "foto", loading: "lazy" }))));
      }
      if (first.voice) parts.push(el("audio", { controls: true, preload: "metadata", src: first.voice.url }));
      if (first.document) parts.push(el("a", { href: first.document.url, target: "_blank", class: "tg-doc" }, icon("doc"), first.document.name || "Berkas"));
      if (first.location) parts.push(SandboxMap.mini(mapFor(this.chat), first.location[0], first.location[1]));
      const captioned = item.parts.find((m) => m.caption);
      if (first.text !== null) parts.push(withEntities(first.text, first.entities));
      else if (captioned) parts.push(withEntities(captioned.caption, captioned.entities));
      if (first.service) parts.push(el("div", { class: "muted", text: "(pemberitahuan layanan)" }));
      parts.push(el("span", { class: "tg-meta", text: `${first.edited ? "diedit " : ""}${first.time}` }));
      const last = item.parts[item.parts.length - 1];
      const keyboard = last.buttons.length ? el("div", { class: "tg-keyboard" }, last.buttons.map((row) =>
        el("div", { class: "tg-keyrow" }, row.map((button) => el("button", {
          type: "button", text: button.url ? `${button.text} ↗` : button.text,
          onclick: () => this.tap(last, button),
        }))))) : null;
      return el("div", { class: `tg-row ${mine ? "mine" : "theirs"}`, id: `tg-${this.chatId}-${first.id}` },
        el("div", { class: "tg-bubble" }, parts,
          el("button", { type: "button", class: "tg-reply-button", title: "Balas", "aria-label": "Balas", onclick: () => this.setReply(first) }, icon("reply"))),
        keyboard);
    }

    scrollTo(id) {
      const target = document.getElementById(`tg-${this.chatId}-${id}`);
      if (target) target.scrollIntoView({ block: "center", behavior: "smooth" });
    }

    async tap(message, button) {
      if (button.url) { window.open(button.url, "_blank", "noopener"); return; }
      const answer = await attempt(() => post(`/api/telegram/chats/${this.chatId}/tap`, { user_id: this.userId, message_id: message.id, button: button.text }));
      if (!answer) return;
      if (answer.show_alert && answer.text) alertBox(answer.text);
      else if (answer.text) toast(answer.text);
    }

    async sendText() {
      const input = this.find(".tg-input");
      const text = input.value.trim();
      if (!text) return;
      input.value = "";
      const view = await attempt(() => post(`/api/telegram/chats/${this.chatId}/text`, { user_id: this.userId, text, reply_to: this.replyTo && this.replyTo.id }));
      if (!view) { input.value = text; return; }
      this.setReply(null);
      this.render(view);
    }

    async sendPhotos(data) {
      const input = this.find(".tg-input");
      const caption = input.value.trim() || null;
      const view = await attempt(() => post(`/api/telegram/chats/${this.chatId}/photo`, { user_id: this.userId, caption, reply_to: this.replyTo && this.replyTo.id, ...data }));
      if (!view) return;
      input.value = "";
      this.setReply(null);
      this.render(view);
    }

    // Telegram's 📎 → Location: a point picked on the kecamatan's map (or typed), sent as a reply when one is set.
    toggleLocation() {
      const form = this.find(".tg-location");
      form.hidden = !form.hidden;
      if (form.hidden) return;
      SandboxMap.picker(this.find(".tg-map"), mapFor(this.chat), (latitude, longitude) => {
        this.find(".tg-lat").value = latitude;
        this.find(".tg-lon").value = longitude;
      });
    }

    async sendLocation() {
      const latitude = Number(this.find(".tg-lat").value.replace(",", "."));
      const longitude = Number(this.find(".tg-lon").value.replace(",", "."));
      const view = await attempt(() => post(`/api/telegram/chats/${this.chatId}/location`, { user_id: this.userId, latitude, longitude, reply_to: this.replyTo && this.replyTo.id }));
      if (!view) return;
      this.find(".tg-location").hidden = true;
      this.setReply(null);
      this.render(view);
    }

    async pickFiles(input) {
      const files = [...input.files];
      input.value = "";
      if (!files.length) return;
      const photos = await attempt(() => Promise.all(files.map(readFile)));
      if (photos) await this.sendPhotos({ photos });
    }
  }

  const columns = [];

  const reloadDirectory = reloader(async () => {
    [chats, users] = await Promise.all([get("/api/telegram/chats"), get("/api/telegram/users")]);
    for (const column of columns) column.fill();
  });

  // A column on some kecamatan's desk (or field group) moves to the desk (field group) of `kecamatan`.
  function followKecamatan(kecamatan) {
    follow = kecamatan;
    if (!kecamatan) return;
    for (const column of columns) {
      const chat = column.chat;
      if (!chat || !chat.kecamatan || chat.kecamatan === kecamatan || !["desk", "field"].includes(chat.kind)) continue;
      const target = chatOf(kecamatan, chat.kind);
      if (target) column.open(target.id);
    }
  }

  Sandbox.config.then(async (loaded) => {
    config = loaded;
    [chats, users] = await Promise.all([get("/api/telegram/chats"), get("/api/telegram/users")]);
    const home = follow || (chats.find((c) => c.kind === "desk") || {}).kecamatan;
    const desk = chatOf(home, "desk");
    const field = chatOf(home, "field");
    const defaults = [desk ? desk.id : loaded.desk_chat, field ? field.id : loaded.camat];
    defaults.forEach((chatId, index) => {
      const column = new Column(document.getElementById(`tg-${index}`), chatId);
      columns.push(column);
      column.fill();
      column.reload();
    });
  }).catch((error) => toast(error.message));

  window.addEventListener("sandbox:number", (event) => followKecamatan(event.detail.kecamatan));
  window.addEventListener("sandbox:telegram", async (event) => {
    const changed = event.detail.chats;
    if (changed.some((id) => !chats.some((c) => c.id === id))) await reloadDirectory();
    const shown = new Set(columns.map((column) => column.chatId));
    const fresh = changed.filter((id) => !shown.has(id) && !unseen.has(id));
    for (const id of fresh) unseen.add(id);
    for (const column of columns) {
      if (changed.includes(column.chatId)) column.reload();
      if (fresh.length) column.fill();
    }
  });
  window.addEventListener("sandbox:ready", () => {
    if (!config) return;
    reloadDirectory();
    for (const column of columns) column.reload();
  });
})();
