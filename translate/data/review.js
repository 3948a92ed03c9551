"use strict";
// Review page behaviour: filter, sort, keyboard navigation and accept/reject marks.
// Everything works on the rows already in the page; nothing is fetched.
(function () {
  const CHUNK = 100;
  const main = document.getElementById("pairs");
  const controls = document.getElementById("controls");
  const show = document.getElementById("show");
  const below = document.getElementById("below");
  const sort = document.getElementById("sort");
  const status = document.getElementById("status");
  const items = Array.from(main.querySelectorAll(".pair, h2.doc")); // document order
  const pairs = items.filter((el) => el.classList.contains("pair"));
  const byId = new Map();
  for (const row of pairs) {
    if (!byId.has(row.dataset.id)) byId.set(row.dataset.id, []);
    byId.get(row.dataset.id).push(row);
  }
  const storeKey = "translate-review:" + document.body.dataset.page;
  let marks = {};
  let visible = pairs;
  let current = -1;

  const tools = document.createElement("span");
  tools.id = "tools";
  tools.innerHTML = '<button type="button" data-mark="accept">✓ accept (a)</button>' +
    '<button type="button" data-mark="reject">✗ reject (r)</button>' +
    '<button type="button" data-mark="">clear (x)</button>';

  function quality(row) {
    return row.dataset.q === "" ? NaN : Number(row.dataset.q);
  }

  function setMark(id, mark, save) {
    if (mark) marks[id] = mark; else delete marks[id];
    for (const row of byId.get(id) || []) {
      row.classList.toggle("m-accept", mark === "accept");
      row.classList.toggle("m-reject", mark === "reject");
    }
    if (save !== false) persist();
  }

  function persist() {
    try { localStorage.setItem(storeKey, JSON.stringify(marks)); } catch (e) { /* storage off: marks live until saved */ }
    updateStatus();
  }

  function updateStatus() {
    const values = Object.values(marks);
    const accepted = values.filter((m) => m === "accept").length;
    status.textContent = visible.length + " of " + pairs.length + " shown · " + accepted + " accepted · " +
      (values.length - accepted) + " rejected";
  }

  function matches(row) {
    const mode = show.value;
    const limit = below.value === "" ? NaN : Number(below.value);
    if (!Number.isNaN(limit) && !(quality(row) < limit)) return false;
    if (mode === "all") return true;
    if (mode === "flagged") return row.classList.contains("flagged");
    if (mode === "unflagged") return !row.classList.contains("flagged");
    if (mode === "unmarked") return !marks[row.dataset.id];
    return row.classList.contains(mode);
  }

  function layout() {
    let order = items;
    if (sort.value !== "doc") {
      const sign = sort.value === "asc" ? 1 : -1;
      order = pairs.slice().sort((a, b) => {
        const qa = quality(a), qb = quality(b);
        if (Number.isNaN(qa) || Number.isNaN(qb)) return Number.isNaN(qa) - Number.isNaN(qb);
        return sign * (qa - qb);
      });
    }
    const fragment = document.createDocumentFragment();
    let chunk = null, heading = null;
    visible = [];
    for (const el of order) {
      if (el.tagName === "H2") { heading = el; continue; }
      if (!matches(el)) continue;
      if (visible.length % CHUNK === 0) {
        chunk = document.createElement("div");
        chunk.className = "chunk";
        fragment.appendChild(chunk);
      }
      if (heading) { chunk.appendChild(heading); heading = null; }
      chunk.appendChild(el);
      visible.push(el);
    }
    main.replaceChildren(fragment);
    current = -1;
    updateStatus();
  }

  function focusRow(index) {
    if (!visible.length) return;
    current = Math.max(0, Math.min(index, visible.length - 1));
    const row = visible[current];
    row.appendChild(tools);
    row.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
  }

  function markCurrent(mark) {
    if (current < 0) focusRow(0);
    const row = visible[current];
    if (!row) return;
    setMark(row.dataset.id, mark);
    if (mark) focusRow(current + 1);
  }

  function marksDocument() {
    return {
      format: "translate-review-marks", version: 1, page: document.title, pairs: pairs.length,
      saved: new Date().toISOString(), marks: marks,
    };
  }

  function save() {
    const blob = new Blob([JSON.stringify(marksDocument(), null, 1) + "\n"], { type: "application/json" });
    const link = document.createElement("a");
    const name = decodeURIComponent(location.pathname.split("/").pop() || "review").replace(/\.html?$/i, "");
    link.href = URL.createObjectURL(blob);
    link.download = name + ".marks.json";
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  }

  function load(text) {
    const data = JSON.parse(text);
    if (!data || data.format !== "translate-review-marks" || typeof data.marks !== "object") {
      throw new Error("not a review marks file");
    }
    for (const [id, mark] of Object.entries(data.marks)) {
      if (mark === "accept" || mark === "reject") setMark(id, mark, false);
    }
    persist();
  }

  try { Object.assign(marks, JSON.parse(localStorage.getItem(storeKey) || "{}")); } catch (e) { marks = {}; }
  for (const [id, mark] of Object.entries(marks)) setMark(id, mark, false);

  controls.hidden = false;
  show.addEventListener("change", layout);
  below.addEventListener("change", layout);
  sort.addEventListener("change", layout);
  document.getElementById("save").addEventListener("click", save);
  document.getElementById("accept-shown").addEventListener("click", () => {
    for (const row of visible) if (!marks[row.dataset.id]) setMark(row.dataset.id, "accept", false);
    persist();
  });
  document.getElementById("load").addEventListener("change", (event) => {
    const file = event.target.files[0];
    if (!file) return;
    file.text().then(load).catch((error) => { status.textContent = file.name + ": " + error.message; });
  });
  for (const row of document.querySelectorAll("tr[data-flag]")) {
    row.addEventListener("click", () => { show.value = "f-" + row.dataset.flag; layout(); });
  }
  main.addEventListener("click", (event) => {
    const button = event.target.closest("#tools button");
    const row = event.target.closest(".pair");
    if (!row) return;
    if (button) { setMark(row.dataset.id, button.dataset.mark); return; }
    const index = visible.indexOf(row);
    if (index >= 0 && index !== current) focusRow(index);
  });
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.target.closest("input, select, textarea")) return;
    const actions = {
      j: () => focusRow(current + 1), k: () => focusRow(current - 1),
      f: () => {
        const next = visible.findIndex((row, i) => i > current && row.classList.contains("flagged"));
        if (next >= 0) focusRow(next);
      },
      a: () => markCurrent("accept"), r: () => markCurrent("reject"), x: () => markCurrent(""),
      "/": () => show.focus(),
    };
    const action = actions[event.key];
    if (action) { event.preventDefault(); action(); }
  });

  window.review = { marks: marksDocument, load: load, layout: layout, focusRow: focusRow };
  updateStatus();
  document.body.dataset.ready = "1";
})();
