// The page: paste Arabic (or choose / drop a file), get the sentence pairs side by side from
// POST /v1/pairs, low-confidence ones marked, and links to the TMX, JSONL and translated file.
"use strict";

const $ = (id) => document.getElementById(id);
let settings = { lowConfidence: 0.5, charLimit: -1, keyRequired: false };

async function loadSettings() {
  try {
    const response = await fetch("/frontend/settings");
    settings = Object.assign(settings, await response.json());
  } catch (error) {
    return;
  }
  $("model").textContent = settings.model ? `Model: ${settings.model}` : "";
  if (settings.charLimit > 0) $("limit").textContent = ` of at most ${settings.charLimit}`;
  if (settings.keyRequired) $("key-row").hidden = false;
  if (settings.supportedFilesFormat) $("file").accept = settings.supportedFilesFormat.join(",");
}

function say(message, isError = false) {
  $("status").textContent = message;
  $("status").classList.toggle("error", isError);
}

async function request(body, headers) {
  const response = await fetch("/v1/pairs", { method: "POST", body, headers });
  let answer;
  try {
    answer = await response.json();
  } catch (error) {
    throw new Error(`the server answered ${response.status}`);
  }
  if (!response.ok) throw new Error(answer.error || `the server answered ${response.status}`);
  return answer;
}

function show(answer) {
  const rows = $("pairs").tBodies[0];
  rows.replaceChildren();
  let low = 0;
  answer.pairs.forEach((pair, index) => {
    const row = rows.insertRow();
    const probability = pair.score === null ? null : Math.exp(Math.min(pair.score, 0));
    const isLow = probability !== null && probability < settings.lowConfidence;
    if (isLow) {
      row.className = "low";
      low += 1;
    }
    const cells = [String(index + 1), pair.source, pair.target,
      probability === null ? "—" : probability.toFixed(2) + (isLow ? " ⚠ low" : "")];
    cells.forEach((text, column) => {
      const cell = row.insertCell();
      cell.textContent = text;
      if (column === 1) Object.assign(cell, { className: "ar", dir: "rtl", lang: "ar" });
      if (column === 2) Object.assign(cell, { className: "en", dir: "ltr", lang: "en" });
      if (column === 3) cell.className = "confidence";
    });
  });
  const total = answer.pairs.length;
  $("summary").textContent = `${total} sentence${total === 1 ? "" : "s"}` +
    (low ? `, ${low} with low confidence (marked ⚠): worth a second look.` : ".");
  for (const kind of ["tmx", "jsonl", "file"]) {
    const link = $(`download-${kind}`);
    link.href = answer.downloads[kind];
    link.download = decodeURIComponent(answer.downloads[kind].split("/").pop());
  }
  $("result").hidden = false;
}

async function run(makeBody, what) {
  const button = $("translate");
  button.disabled = true;
  say(`Translating ${what}…`);
  try {
    const [body, headers] = makeBody();
    const answer = await request(body, headers);
    show(answer);
    say(`Translated ${what}.`);
  } catch (error) {
    say(`Could not translate: ${error.message}`, true);
  } finally {
    button.disabled = false;
  }
}

function key() {
  return $("api-key").value.trim();
}

function translateText() {
  const text = $("source").value;
  if (!text.trim()) {
    say("Type or paste some Arabic text first.", true);
    $("source").focus();
    return;
  }
  run(() => {
    const fields = { q: text, source: "ar", target: "en", downloads: true };
    if (key()) fields.api_key = key();
    return [JSON.stringify(fields), { "Content-Type": "application/json" }];
  }, "the text");
}

function translateFile(file) {
  if (!file) return;
  run(() => {
    const form = new FormData();
    form.append("file", file, file.name);
    form.append("source", "ar");
    form.append("target", "en");
    form.append("downloads", "true");
    if (key()) form.append("api_key", key());
    return [form, {}];
  }, file.name);
}

function setUp() {
  $("form").addEventListener("submit", (event) => {
    event.preventDefault();
    translateText();
  });
  $("source").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      translateText();
    }
  });
  $("source").addEventListener("input", () => { $("count").textContent = $("source").value.length; });
  $("file").addEventListener("change", () => translateFile($("file").files[0]));
  const drop = $("drop");
  drop.addEventListener("dragover", (event) => {
    event.preventDefault();
    drop.classList.add("dragging");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("dragging"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("dragging");
    translateFile(event.dataTransfer.files[0]);
  });
  loadSettings();
}

setUp();
