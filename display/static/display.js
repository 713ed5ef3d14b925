// The waiting-room display. It holds no rules of the queue: it shows what the server pushes
// (welcome snapshot, called, ticket, queues) and announces each call: a gong made with Web
// Audio, then the server's recordings (German, the visitor's language, the site's extras) or,
// where the server has no speech engine, the browser's own speech synthesis.
//
// URL options: ?zone=first-floor (only these counters; comma-separated), ?terminal=…&token=…
// (a display terminal of the site config; without them the display connects anonymously, if
// the site allows it), ?lang=de,en (label languages to rotate through; default: the display
// terminal's `languages` from the site config, else all the site's languages). One language
// (`?lang=ar`) holds the labels still: the tests use it to look at every language at once.
"use strict";

const params = new URLSearchParams(location.search);
const LAST_CALLS = 5;  // what the screen shows: the newest large, four more beside it
const FRESH_MS = 8000;
const ROTATE_MS = 6000;
const FIT_STEP = 0.05;
const FIT_FLOOR = 0.3;
// Every service on one page where they fit (the demo's seven: four rows of two boxes of two
// lines, text at 3.6 % of the height, down to the bottom of the screen). Where they do not (an
// announcement's band, names twice as long), the services turn in pages with the label
// language, split evenly (7: 4 + 3), rather than shrink every box below what reads from five
// metres: queue rows never step below 3.5 % of the height (fit ≥ 3.5 / 3.6).
const QUEUE_FIT_FLOOR = 3.5 / 3.6;
const LEFT = ["no_show", "waiting", "parked", "cancelled", "expired"];  // states that leave the screen

const state = {
  site: null,
  zones: (params.get("zone") || "").split(",").filter(Boolean),
  words: {},
  languages: ["de"],
  rotation: 0,
  calls: [],          // newest first: {number, counter, name, zone, recall, lang, text}
  queues: new Map(),  // service id -> {waiting, eta}
  queuesPerPage: Infinity,  // every service on one page, lowered while a page does not fit (fitQueues)
  announcements: Promise.resolve(),
  queued: [],         // calls waiting to be announced, in order
  shown: [],          // {number, at}: when each call reached the screen (bench/call_to_screen.py)
  heard: [],          // what was announced, for tests and for the curious
  soundBlocked: false,
};
window.willkommen = state;

// ---- words ------------------------------------------------------------------------------

function catalogue(lang) {
  return state.words[lang] || state.words.de || {};
}

function word(lang, key, fields = {}) {
  return (catalogue(lang)[key] || "").replace(/\{(\w+)\}/g, (_, name) => (name in fields ? fields[name] : ""));
}

function isRtl(lang) {
  return catalogue(lang).direction === "rtl";
}

// A phrase as DOM nodes: each count or range ("{n}", "{low}–{high}") is its own left-to-right
// run, so inside Arabic or Persian it stands where the sentence puts it and reads 20–40.
const RUN = /\{\w+\}(?:\s*[–-]\s*\{\w+\})*/g;

function phrase(lang, key, fields = {}) {
  const template = catalogue(lang)[key] || "";
  const nodes = [];
  let at = 0;
  for (const match of template.matchAll(RUN)) {
    nodes.push(document.createTextNode(template.slice(at, match.index)));
    const run = document.createElement("span");
    run.dir = "ltr";
    run.textContent = match[0].replace(/\{(\w+)\}/g, (_, name) => (name in fields ? fields[name] : ""));
    nodes.push(run);
    at = match.index + match[0].length;
  }
  nodes.push(document.createTextNode(template.slice(at)));
  return nodes;
}

// Text in `lang`: German is the page's language; any other gets `lang` and `dir` (WCAG 3.1.2).
function speakIn(element, lang) {
  if (lang && lang !== "de") {
    element.lang = lang;
    element.dir = isRtl(lang) ? "rtl" : "ltr";
  } else {
    element.removeAttribute("lang");
    element.removeAttribute("dir");
  }
  return element;
}

function labelLanguage() {
  return state.languages[state.rotation % state.languages.length];
}

// The line under each German service name. While the labels are on German it shows the next
// language the rotation turns to (the site's, if the rotation is German only): an empty or a
// second German line would waste a row that visitors read, and the line keeps its box either way.
function secondLanguage() {
  const lang = labelLanguage();
  if (lang !== "de") return lang;
  const order = state.languages.length > 1 ? state.languages : state.site.languages;
  const from = order.indexOf("de");
  for (let step = 1; step < order.length; step += 1) {
    const next = order[(from + step) % order.length];
    if (next !== "de") return next;
  }
  return null;  // a German-only office: the line stays empty, its height reserved
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
    case "strings": return wordsChanged();  // a language file adopted on the floor board
  }
}

async function wordsChanged() {
  try {
    state.words = await (await fetch("/display/strings.json", {cache: "no-store"})).json();
  } catch (error) { return; }  // the words before stay; a reload brings the new ones
  render();
}

function setOffline(reason) {
  document.body.dataset.state = "offline";
  const banner = document.getElementById("offline");
  const lang = reason ? "de" : labelLanguage();
  banner.textContent = reason || word(lang, "display.offline") || "…";
  speakIn(banner, lang);
  banner.hidden = false;
}

// ---- what the server says ---------------------------------------------------------------

function welcome(message) {
  delay = 500;
  state.site = message.site;
  state.queuesPerPage = Infinity;  // the site's names may have changed: measure again
  if (!params.get("zone") && message.zones && message.zones.length) state.zones = message.zones;
  const wanted = (params.get("lang") || "").split(",").filter(Boolean);
  const configured = message.languages && message.languages.length ? message.languages : message.site.languages;
  state.languages = wanted.length ? wanted : configured;
  document.getElementById("office").textContent = message.site.name;
  state.calls = message.snapshot.calls
    .filter((t) => !LEFT.includes(t.state))
    .map((t) => callFrom(t, counterInfo(t.counter), null))
    .filter(inZone)
    .slice(0, LAST_CALLS);
  state.queues = new Map(message.snapshot.queues.map((q) => [q.service, q]));
  document.body.dataset.state = "online";
  document.getElementById("offline").hidden = true;
  tick();
  render();
}

function counterInfo(id) {
  return (state.site && state.site.counters.find((c) => c.id === id)) || { id, name: id, zone: "", direction: "" };
}

function callFrom(ticket, counter, message) {
  return {
    number: ticket.number, counter: counter.id, name: counter.name, direction: counter.direction || "",
    zone: counter.zone, lang: ticket.lang, recall: message ? message.recall : ticket.recalls,
    // a call from the welcome's snapshot has no texts: the same sentence from the same words
    // (server.edge.views.called), so a reloaded screen shows the call as it was shown live
    text: message ? message.texts[ticket.lang] || ""
      : word(ticket.lang, "call.announcement", { number: ticket.number, counter: counter.name }),
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
  tell(message);
  announce(message);
}

function ticketChanged(ticket) {
  // a no-show, a transfer or a park leaves the "now" spot; finished visits stay in the list
  if (LEFT.includes(ticket.state)) {
    state.calls = state.calls.filter((c) => c.number !== ticket.number);
    render();
  }
}

function queuesChanged(queues) {
  for (const queue of queues) state.queues.set(queue.service, queue);
  renderQueues();
  fitQueues();
}

// ---- showing ----------------------------------------------------------------------------

function render(fresh = false) {
  renderNow(state.calls[0]);
  if (fresh) glow();
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
  fitAll();
}

function renderNow(now) {
  // nobody called yet: no glyph (a dash at the call's size read as a broken white bar on a TV)
  document.getElementById("now-number").textContent = now ? now.number : "";
  document.getElementById("now-counter").textContent = now
    ? `${now.direction} ${word("de", "call.counter", { counter: now.name })}`.trim() : "";
  const own = now && now.lang !== "de" ? now.lang : null;
  const counter = speakIn(document.getElementById("now-counter-own"), own);
  counter.replaceChildren(...(own ? phrase(own, "call.counter", { counter: now.name }) : []));
  const text = speakIn(document.getElementById("now-text"), own);
  text.textContent = own ? now.text : "";
  document.getElementById("now-repeat").hidden = !(now && now.recall > 0);
}

function glow() {
  const panel = document.getElementById("now");
  panel.classList.remove("fresh");
  void panel.offsetWidth; // restart the animation
  panel.classList.add("fresh");
  clearTimeout(glow.timer);
  glow.timer = setTimeout(() => panel.classList.remove("fresh"), FRESH_MS);
}

function renderLabels() {
  const lang = labelLanguage();
  for (const element of document.querySelectorAll("[data-word]")) {
    speakIn(element, lang).textContent = word(lang, element.dataset.word);
  }
}

function renderQueues() {
  if (!state.site) return;
  const lang = labelLanguage();
  const list = document.getElementById("queues");
  const services = state.site.services;
  list.replaceChildren(...services.map((service, index) => {
    const queue = state.queues.get(service.id) || { waiting: 0, eta: null };
    const item = document.createElement("li");
    // The box reads in the label language's direction, every line of it: in Arabic the German
    // name, the second name and the count stand at the right, the estimate left of the count
    // (no zig-zag of a German name at the left and the rest at the right).
    item.innerHTML = `<span class="name" dir="ltr"></span><span class="other"></span>` +
                     `<span class="numbers"><span class="count"></span><span class="eta"></span></span>`;
    item.dir = isRtl(lang) ? "rtl" : "ltr";
    item.querySelector(".name").textContent = serviceName(service, "de");
    const other = secondLanguage();
    speakIn(item.querySelector(".other"), other).textContent = (other && service.names && service.names[other]) || "";
    const numbers = speakIn(item.querySelector(".numbers"), lang);
    numbers.querySelector(".count").replaceChildren(...phrase(lang, "display.waiting", { n: queue.waiting }));
    numbers.querySelector(".eta").replaceChildren(...(queue.eta && queue.waiting
      ? phrase(lang, "display.eta", { low: queue.eta[0], high: queue.eta[1] }) : []));
    item.dataset.service = service.id;
    item.dataset.waiting = queue.waiting;
    return item;
  }));
  showQueuePage(state.rotation);
}

// Pages of queue boxes: as many boxes a page as fit, every page full. Where the services do
// not fill the last page it takes the first ones again (7 services, 6 a page: 1-6, then 7 and
// 1-5), so no page leaves the bottom of the screen empty while a visitor waits for theirs.
function queuePages() {
  const count = state.site ? state.site.services.length : 0;
  state.queuesPerPage = Math.min(state.queuesPerPage, Math.max(count, 1));
  return { pages: Math.ceil(count / state.queuesPerPage) || 1, perPage: state.queuesPerPage, count };
}

function showQueuePage(turn) {
  const { pages, perPage, count } = queuePages();
  const first = (turn % pages) * perPage;
  const shown = new Set(Array.from({ length: Math.min(perPage, count) }, (_, i) => (first + i) % count));
  const items = [...document.getElementById("queues").children];
  items.forEach((item, index) => { item.hidden = !shown.has(index); });
  // the page's boxes in reading order from its first service on (7, then 1-5)
  items.forEach((item, index) => { item.style.order = String((index - first + count) % count); });
}

// Every page of queues must fit at a size that reads from five metres; where one does not,
// the pages get fewer boxes (and more turns) until each does -- or one box a page, stepped down.
function fitQueues() {
  const list = document.getElementById("queues");
  for (;;) {
    const { pages } = queuePages();
    let smallest = 1;
    for (let page = 0; page < pages; page += 1) {
      showQueuePage(page);
      fit(list);
      smallest = Math.min(smallest, parseFloat(list.style.getPropertyValue("--fit") || "1"));
    }
    if (smallest >= QUEUE_FIT_FLOOR || state.queuesPerPage === 1) break;
    state.queuesPerPage -= 1;
  }
  showQueuePage(state.rotation);
  fit(list);
}

function rotate() {
  state.rotation += 1;
  renderLabels();
  renderQueues();
  fitAll();
}
state.rotate = rotate;

// ---- fitting: text steps down in size until its box holds it ------------------------------

function overflows(element) {
  if (element.scrollWidth > element.clientWidth + 1 || element.scrollHeight > element.clientHeight + 1) return true;
  // a grid's items can run on into its padding without any scrolling (a recent call with its
  // recall mark): the content box is the limit, not the border
  const box = element.getBoundingClientRect(), style = getComputedStyle(element);
  const left = box.left + parseFloat(style.borderLeftWidth) + parseFloat(style.paddingLeft);
  const right = box.right - parseFloat(style.borderRightWidth) - parseFloat(style.paddingRight);
  return [...element.children].some((child) => {
    const r = child.getBoundingClientRect();
    return child.getClientRects().length > 0 && (r.left < left - 1 || r.right > right + 1);
  });
}

function fit(element) {
  // the largest scale in FIT_STEP steps at which the text fits: a few layouts, not one a step
  const steps = Math.round((1 - FIT_FLOOR) / FIT_STEP);
  const at = (step) => { element.style.setProperty("--fit", (1 - step * FIT_STEP).toFixed(2)); return !overflows(element); };
  if (at(0)) return;
  let fits = steps, fails = 0;  // the floor is taken even if it does not fit: it is the last resort
  while (fits - fails > 1) {
    const middle = Math.floor((fits + fails) / 2);
    if (at(middle)) fits = middle; else fails = middle;
  }
  at(fits);
}

function fitAll() {
  for (const element of document.querySelectorAll(".fit, #calls li")) fit(element);
  fitQueues();
}

// The screen's size or its bands changed (an announcement came or went, announce.js): the
// queue pages are measured again from full pages, as the room may have grown.
function relayout() {
  state.queuesPerPage = Infinity;
  fitAll();
}

addEventListener("resize", relayout);
document.addEventListener("willkommen:layout", relayout);
if (document.fonts) {
  document.fonts.ready.then(fitAll);
  // a script's web font (fonts.css, unicode-range) loads when its first letter shows: fit again
  document.fonts.addEventListener("loadingdone", fitAll);
}

// ---- the clock: the site's time, whatever the TV's own zone -------------------------------

function tick() {
  const zone = state.site && state.site.timezone;
  let format;
  try {
    format = new Intl.DateTimeFormat("de-DE", { hour: "2-digit", minute: "2-digit", timeZone: zone || undefined });
  } catch (error) {  // a zone this browser does not know: its own clock beats none
    format = new Intl.DateTimeFormat("de-DE", { hour: "2-digit", minute: "2-digit" });
  }
  document.getElementById("clock").textContent = format.format(new Date());
}

// ---- a screen reader hears each call once (the rotating labels are not a live region) -----

function tell(message) {
  const lang = message.ticket.lang;
  const parts = [["de", message.texts.de]];
  if (lang !== "de" && message.texts[lang]) parts.push([lang, message.texts[lang]]);
  document.getElementById("sr-call").replaceChildren(...parts.map(([l, text]) => {
    const part = speakIn(document.createElement("span"), l);
    part.textContent = `${text} `;
    return part;
  }));
}

// the one queue of sounds (sound.js), for announce.js
Object.assign(state, { enqueue, play, speak });

// ---- start ------------------------------------------------------------------------------

async function start() {
  try {
    state.words = await (await fetch("/display/strings.json")).json();
  } catch (error) { /* labels stay empty; numbers and counters still show */ }
  tick();
  setInterval(tick, 10000);
  setInterval(rotate, ROTATE_MS);
  document.addEventListener("click", unlockSound);
  checkSound();
  connect();
}

start();
