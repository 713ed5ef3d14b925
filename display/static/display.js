// The waiting-room display. It holds no rules of the queue: it shows what the server pushes
// (welcome snapshot, called, ticket, queues) and announces each call: a gong made with Web
// Audio, then the server's recordings (German, the visitor's language, the site's extras) or,
// where the server has no speech engine, the browser's own speech synthesis.
//
// URL options: ?zone=first-floor (only these counters; comma-separated), ?terminal=…&token=…
// (a display terminal of the site config; without them the display connects anonymously, if
// the site allows it), ?lang=de,en (label languages to rotate through; default: the display
// terminal's `languages` from the site config, else all the site's languages).
"use strict";

const params = new URLSearchParams(location.search);
const LAST_CALLS = 6;  // the newest large, five more beside it
const FRESH_MS = 8000;
const ROTATE_MS = 6000;

const state = {
  site: null,
  zones: (params.get("zone") || "").split(",").filter(Boolean),
  words: {},
  languages: ["de"],
  rotation: 0,
  calls: [],          // newest first: {number, counter, name, zone, recall, lang, text}
  queues: new Map(),  // service id -> {waiting, eta}
  announcements: Promise.resolve(),
  queued: [],         // calls waiting to be announced, in order
  shown: [],          // {number, at}: when each call reached the screen (bench/call_to_screen.py)
  heard: [],          // what was announced, for tests and for the curious
};
window.willkommen = state;

// ---- words ------------------------------------------------------------------------------

function word(lang, key, fields = {}) {
  const text = (state.words[lang] || state.words.de || {})[key] || "";
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in fields ? fields[name] : ""));
}

function labelLanguage() {
  return state.languages[state.rotation % state.languages.length];
}

function serviceName(service, lang) {
  return (service.names && (service.names[lang] || service.names.de)) || service.id;
}

// ---- connection -------------------------------------------------------------------------

let delay = 500;

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const ws = new WebSocket(`${scheme}://${location.host}/`);
  ws.onopen = () => {
    ws.send(JSON.stringify({
      type: "hello", role: "display", v: 1,
      terminal: params.get("terminal") || "", token: params.get("token") || "",
    }));
  };
  ws.onmessage = (event) => receive(JSON.parse(event.data));
  ws.onclose = (event) => {
    setOffline(event.code === 4401 || event.code === 4403 ? `${event.code} ${event.reason}` : null);
    setTimeout(connect, delay);
    delay = Math.min(delay * 2, 10000);
  };
}

function receive(message) {
  switch (message.type) {
    case "welcome": return welcome(message);
    case "called": return called(message);
    case "ticket": return ticketChanged(message.ticket);
    case "queues": return queuesChanged(message.queues);
  }
}

function setOffline(reason) {
  document.body.dataset.state = "offline";
  const banner = document.getElementById("offline");
  banner.textContent = reason || word(labelLanguage(), "display.offline") || "…";
  banner.hidden = false;
}

// ---- what the server says ---------------------------------------------------------------

function welcome(message) {
  delay = 500;
  state.site = message.site;
  if (!params.get("zone") && message.zones && message.zones.length) state.zones = message.zones;
  const wanted = (params.get("lang") || "").split(",").filter(Boolean);
  const configured = message.languages && message.languages.length ? message.languages : message.site.languages;
  state.languages = wanted.length ? wanted : configured;
  document.getElementById("office").textContent = message.site.name;
  state.calls = message.snapshot.calls
    .filter((t) => t.state === "called" || t.state === "serving")
    .map((t) => callFrom(t, counterInfo(t.counter), null))
    .filter(inZone);
  state.queues = new Map(message.snapshot.queues.map((q) => [q.service, q]));
  document.body.dataset.state = "online";
  document.getElementById("offline").hidden = true;
  render();
}

function counterInfo(id) {
  return (state.site && state.site.counters.find((c) => c.id === id)) || { id, name: id, zone: "", direction: "" };
}

function callFrom(ticket, counter, message) {
  return {
    number: ticket.number, counter: counter.id, name: counter.name, direction: counter.direction || "",
    zone: counter.zone, lang: ticket.lang, recall: message ? message.recall : ticket.recalls,
    text: message ? message.texts[ticket.lang] || "" : "",
  };
}

function inZone(call) {
  return state.zones.length === 0 || state.zones.includes(call.zone);
}

function called(message) {
  const call = callFrom(message.ticket, {
    id: message.counter, name: message.counter_name, zone: message.zone, direction: message.direction,
  }, message);
  if (!inZone(call)) return;
  state.calls = [call, ...state.calls.filter((c) => c.number !== call.number)].slice(0, LAST_CALLS);
  render(true);
  state.shown.push({ number: call.number, at: Date.now() });
  announce(message);
}

function ticketChanged(ticket) {
  // a no-show, a transfer or a park leaves the "now" spot; finished visits stay in the list
  if (["no_show", "waiting", "parked", "cancelled"].includes(ticket.state)) {
    state.calls = state.calls.filter((c) => c.number !== ticket.number);
    render();
  }
}

function queuesChanged(queues) {
  for (const queue of queues) state.queues.set(queue.service, queue);
  renderQueues();
}

// ---- showing ----------------------------------------------------------------------------

function render(fresh = false) {
  const now = state.calls[0];
  const panel = document.getElementById("now");
  document.getElementById("now-number").textContent = now ? now.number : "–";
  document.getElementById("now-counter").textContent = now
    ? `${now.direction} ${word("de", "call.counter", { counter: now.name })}`.trim() : "";
  const text = document.getElementById("now-text");
  text.textContent = now && now.lang !== "de" ? now.text : "";
  text.dir = now && (state.words[now.lang] || {}).direction === "rtl" ? "rtl" : "ltr";
  document.getElementById("now-repeat").hidden = !(now && now.recall > 0);
  if (fresh) {
    panel.classList.remove("fresh");
    void panel.offsetWidth; // restart the animation
    panel.classList.add("fresh");
    clearTimeout(render.timer);
    render.timer = setTimeout(() => panel.classList.remove("fresh"), FRESH_MS);
  }
  const list = document.getElementById("calls");
  list.replaceChildren(...state.calls.slice(1).map((c) => {
    const item = document.createElement("li");
    item.className = c.recall > 0 ? "repeat" : "";
    item.innerHTML = `<span class="number"></span><span class="counter"></span>`;
    item.querySelector(".number").textContent = c.number;
    item.querySelector(".counter").textContent = `${c.direction} ${c.name}`.trim();
    return item;
  }));
  renderLabels();
  renderQueues();
}

function renderLabels() {
  const lang = labelLanguage();
  for (const element of document.querySelectorAll("[data-word]")) {
    element.textContent = word(lang, element.dataset.word);
    element.dir = (state.words[lang] || {}).direction === "rtl" ? "rtl" : "ltr";
  }
}

function renderQueues() {
  if (!state.site) return;
  const lang = labelLanguage();
  const rtl = (state.words[lang] || {}).direction === "rtl";
  const list = document.getElementById("queues");
  list.replaceChildren(...state.site.services.map((service) => {
    const queue = state.queues.get(service.id) || { waiting: 0, eta: null };
    const item = document.createElement("li");
    item.innerHTML = `<span class="name"></span><span class="count"></span>` +
                     `<span class="other"></span><span class="eta"></span>`;
    item.querySelector(".name").textContent = serviceName(service, "de");
    const other = item.querySelector(".other");
    other.textContent = lang === "de" ? "" : serviceName(service, lang);
    other.dir = rtl ? "rtl" : "ltr";
    item.querySelector(".count").textContent = word(lang, "display.waiting", { n: queue.waiting });
    item.querySelector(".eta").textContent = queue.eta && queue.waiting
      ? word(lang, "display.eta", { low: queue.eta[0], high: queue.eta[1] }) : "";
    item.dataset.service = service.id;
    item.dataset.waiting = queue.waiting;
    return item;
  }));
}

function tick() {
  const now = new Date();
  document.getElementById("clock").textContent =
    now.toLocaleTimeString("de-DE", { hour: "2-digit", minute: "2-digit" });
}

// ---- sound ------------------------------------------------------------------------------

let audio = null;

function gong() {
  try {
    audio = audio || new AudioContext();
    const start = audio.currentTime + 0.05;
    [[659.25, 0], [523.25, 0.45]].forEach(([frequency, offset]) => {
      const tone = audio.createOscillator();
      const volume = audio.createGain();
      tone.type = "sine";
      tone.frequency.value = frequency;
      volume.gain.setValueAtTime(0.0001, start + offset);
      volume.gain.exponentialRampToValueAtTime(0.6, start + offset + 0.02);
      volume.gain.exponentialRampToValueAtTime(0.0001, start + offset + 1.4);
      tone.connect(volume).connect(audio.destination);
      tone.start(start + offset);
      tone.stop(start + offset + 1.5);
    });
  } catch (error) { /* no audio device: the screen still shows the call */ }
  return wait(1900);
}

function wait(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function play(url) {
  return new Promise((resolve) => {
    const sound = new Audio(url);
    sound.onended = resolve;
    sound.onerror = resolve;
    sound.play().catch(resolve);
    setTimeout(resolve, 15000); // never let one sound block the next call
  });
}

function speak(lang, text) {
  if (!("speechSynthesis" in window)) return Promise.resolve();
  return new Promise((resolve) => {
    const utterance = new SpeechSynthesisUtterance(text);
    utterance.lang = lang;
    utterance.onend = resolve;
    utterance.onerror = resolve;
    speechSynthesis.speak(utterance);
    setTimeout(resolve, 15000);
  });
}

function announce(message) {
  // one announcement after the other, never two voices at once
  state.queued.push({ number: message.ticket.number, recall: message.recall });
  state.announcements = state.announcements.then(async () => {
    await gong();
    for (const [lang, text] of Object.entries(message.texts)) {
      const url = message.audio && message.audio[lang];
      state.heard.push({ number: message.ticket.number, lang, url: url || null, recall: message.recall });
      await (url ? play(url) : speak(lang, text));
    }
  });
}

// ---- start ------------------------------------------------------------------------------

async function start() {
  try {
    state.words = await (await fetch("/display/strings.json")).json();
  } catch (error) { /* labels stay empty; numbers and counters still show */ }
  tick();
  setInterval(tick, 10000);
  setInterval(() => { state.rotation += 1; renderLabels(); renderQueues(); }, ROTATE_MS);
  connect();
}

start();
