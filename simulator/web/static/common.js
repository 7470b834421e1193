// Shared helpers of the sandbox page: the JSON API, DOM building, toasts and the live event stream.
"use strict";

const Sandbox = (() => {
  async function request(method, url, data) {
    const options = { method, headers: {} };
    if (data !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(data);
    }
    const response = await fetch(url, options);
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(answer.error || `${response.status} ${response.statusText}`);
    return answer;
  }

  // el("div", {class: "x", onclick: fn}, child, "text", ...) — children may be nodes, strings or null.
  function el(tag, attrs, ...children) {
    const node = tag === "svg" || tag.startsWith("svg:")
      ? document.createElementNS("http://www.w3.org/2000/svg", tag.replace("svg:", ""))
      : document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (key === "text") node.textContent = value;
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child !== null && child !== undefined && child !== false) node.append(child);
    }
    return node;
  }

  // An icon from the page's SVG sprite (index.html), e.g. icon("pin").
  function icon(name) {
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("class", "icon");
    const use = document.createElementNS("http://www.w3.org/2000/svg", "use");
    use.setAttribute("href", `#i-${name}`);
    svg.append(use);
    return svg;
  }

  let toastTimer = null;
  function toast(text) {
    const box = document.getElementById("toast");
    box.textContent = text;
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { box.hidden = true; }, 3500);
  }

  function alertBox(text) {
    document.getElementById("alert-text").textContent = text;
    document.getElementById("alert").hidden = false;
  }
  document.getElementById("alert-ok").addEventListener("click", () => {
    document.getElementById("alert").hidden = true;
  });

  // Run an async action; show its error as a toast instead of losing it.
  async function attempt(action) {
    try {
      return await action();
    } catch (error) {
      toast(error.message);
      return null;
    }
  }

  // A loader that never runs twice at once: a call during a load runs it once more afterwards.
  function reloader(load) {
    let running = false;
    let again = false;
    return async function run() {
      if (running) { again = true; return; }
      running = true;
      try {
        do { again = false; await load(); } while (again);
      } catch (error) {
        toast(error.message);
      } finally {
        running = false;
      }
    };
  }

  // Bring a container's children in line with items, keeping unchanged nodes (a playing audio keeps playing).
  function syncList(container, items, keyOf, render) {
    const existing = new Map([...container.children].map((node) => [node.dataset.key, node]));
    const wanted = new Set(items.map(keyOf));
    for (const [key, node] of existing) if (!wanted.has(key)) node.remove();
    items.forEach((item, index) => {
      const key = keyOf(item);
      const sig = JSON.stringify(item);
      let node = existing.get(key);
      if (!node || node.dataset.sig !== sig) {
        const fresh = render(item);
        fresh.dataset.key = key;
        fresh.dataset.sig = sig;
        if (node) node.replaceWith(fresh);
        node = fresh;
      }
      const at = container.children[index];
      if (at !== node) container.insertBefore(node, at || null);
    });
  }

  // Keep a chat scrolled to its newest message when it was there already.
  function keepAtBottom(container, update) {
    const atBottom = container.scrollHeight - container.scrollTop - container.clientHeight < 80;
    update();
    if (atBottom) container.scrollTop = container.scrollHeight;
  }

  function readFile(file) {
    return new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(reader.result);
      reader.onerror = () => reject(new Error(`Berkas ${file.name} tidak terbaca.`));
      reader.readAsDataURL(file);
    });
  }

  // Server-Sent Events become window events "sandbox:whatsapp", "sandbox:telegram", "sandbox:controls", "sandbox:ready".
  function connect() {
    const live = document.getElementById("live");
    const source = new EventSource("/api/events");
    for (const name of ["ready", "whatsapp", "telegram", "controls"]) {
      source.addEventListener(name, (event) => {
        window.dispatchEvent(new CustomEvent(`sandbox:${name}`, { detail: JSON.parse(event.data) }));
      });
    }
    source.onopen = () => { live.className = "live on"; };
    source.onerror = () => { live.className = "live off"; };
    return source;
  }

  // Close any bottom sheet by its ✕.
  document.addEventListener("click", (event) => {
    const close = event.target.closest("[data-close]");
    if (close) close.closest(".sheet").hidden = true;
  });

  const config = request("GET", "/api/config");
  return {
    get: (url) => request("GET", url),
    post: (url, data) => request("POST", url, data || {}),
    el, icon, toast, alertBox, attempt, reloader, syncList, keepAtBottom, readFile, connect, config,
  };
})();
