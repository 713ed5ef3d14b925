// The counter in the browser: the Textual counter's keys, dialogs and panels on the terminals'
// own protocol (server/wire/protocol.py). No rule of the queue is here, and no sentence: the
// server sends a `screen` after every change, made by the Textual counter's own code
// (counter/screen.py, server/manager/counter_screens.py) in the clerk's language, and the page
// shows it and sends what the clerk did. Fixed words are the staff catalogue's.
"use strict";

const KEYS = [["n", "next"], ["r", "recall"], ["s", "start"], ["x", "noshow"], ["t", "transfer"], ["p", "park"],
  ["b", "takeback"], ["f", "finish"], ["c", "call"], ["w", "pause"], ["o", "open"], ["q", "close"],
  ["e", "endshift"], ["v", "refer"]];
const NEEDS_VISITOR = new Set(["recall", "start", "noshow", "transfer", "park", "finish", "refer"]);
const SIMPLE = {next: "next", recall: "recall", start: "start", park: "park"};
const STORED = "willkommen-counter";
const HANDLED_SHOWN = 8;
const SLOW_MS = 1000;  // an action unanswered this long is said to be on its way (as the kiosk's "One moment")

const state = {me: null, counter: null, site: null, screen: null,
  ws: null, online: false, nextId: 1, pending: new Map(), sending: Promise.resolve(), dialog: null, refused: false,
  held: false, slow: false};  // the action on its way: waits for the database (`held`), or for 1 s
window.willkommenCounter = state;

const $ = (id) => document.getElementById(id);
const esc = (text) => String(text ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const label = (action) => t(action === "refer" ? "referral.action" : `action.${action}`);
const current = () => (state.screen ? state.screen.current : null);
const choices = (name) => (state.screen ? state.screen.choices[name] : []);

// ---- the server ----

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const ws = new WebSocket(`${scheme}://${location.host}/counter/ws`);
  state.ws = ws;
  ws.onopen = () => ws.send(JSON.stringify({type: "hello", v: 1, role: "counter", terminal: state.counter,
    lang: staff.lang}));
  ws.onmessage = (event) => receive(JSON.parse(event.data));
  ws.onclose = (event) => closed(ws, event);
}

function receive(message) {
  if (message.type === "welcome") {
    state.site = message.site;
    state.online = true;
    setStatus("online", t("counterpage.online"));
    say("");
  } else if (message.type === "screen") {  // what the counter shows, in the clerk's words
    state.screen = message.screen;
  } else if (message.type === "held" && state.pending.has(message.re)) {  // waits for the database: said at once
    state.held = true;
    say(t("waits.held"), true);
  } else if (message.type === "confirmed") {  // answered `unconfirmed` before; its screen follows
    say(t("waits.confirmed"));
  } else if (message.type === "reply" || message.type === "error") {
    const waiting = state.pending.get(message.re);
    state.pending.delete(message.re);
    if (waiting) waiting(message);
  }
  render();
}

// the sign-in still holds, or off to the sign-in page (which comes back here after it)
async function signedIn() {
  const me = await fetch("/counter/me.json").catch(() => null);
  if (me && me.redirected && new URL(me.url).pathname === "/signin") {
    location.assign(`/signin?to=counter&counter=${encodeURIComponent(state.counter || "")}`);
    return false;
  }
  return true;
}

async function closed(ws, event) {
  if (ws !== state.ws) return;
  state.online = false;
  state.pending.forEach((resolve) => resolve({type: "error", code: "connection", message: "", text: t("error.connection")}));
  state.pending.clear();
  if (event.code === 4403) {  // not this person's counter (or another person's now)
    state.refused = true;
    sessionStorage.removeItem(STORED);
    say(t("refused", {reason: event.reason}), true);
    showPicker();
    return;
  }
  setStatus("offline", t("offline"));
  render();
  setTimeout(async () => {
    if (await signedIn() && ws === state.ws) connect();
  }, 1000);
}

// one request at a time, in the order the keys were pressed (as the Textual counter does)
function request(message) {
  const run = () => new Promise((resolve) => {
    if (!state.online) { resolve({type: "error", code: "connection", message: "", text: t("error.connection")}); return; }
    const id = state.nextId++;
    const slow = setTimeout(() => {
      if (state.pending.has(id) && !state.held) { state.slow = true; say(t("waits.slow")); }
    }, SLOW_MS);
    state.pending.set(id, (answer) => { clearTimeout(slow); resolve(answer); });
    state.ws.send(JSON.stringify({...message, id}));
  });
  const answer = state.sending.then(run);
  state.sending = answer.catch(() => null);
  return answer.then((reply) => {
    const held = state.held;
    state.held = state.slow = false;
    if (reply.type === "error") {
      // the server's sentence in the clerk's words (server/manager/words.py error_text)
      say(reply.text || t("error.other", {message: reply.message}), true);
      if (reply.code === "not_allowed") signedIn();  // signed out in another tab, or the sign-in ran out
      return null;
    }
    say(held ? t("waits.back") : "");
    render();
    return reply;
  });
}

// ---- dialogs: each entry has a key (1-9, then letters the dialog does not use itself) ----

function entryKeys(count, reserved = "") {
  return [..."123456789", ..."abcdefghijklmnopqrstuvwxyz".split("").filter((c) => !reserved.includes(c))].slice(0, count);
}

function ask(kind, title, options = {}) {
  const dialog = $("dialog"), body = $("dialog-body");
  $("dialog-title").textContent = title;
  const entries = options.entries || [];
  const yes = t("dialog.yes_key"), no = t("dialog.no_key");  // J/N in German, Y/N in English
  const reserved = kind === "refer" ? "fv" : kind === "transfer" ? "f" : kind === "services" ? "o"
    : kind === "confirm" ? (yes + no).toLowerCase() : "";
  const keys = entryKeys(entries.length, reserved);
  const many = kind === "services" || kind === "refer";
  let html = "";
  if (kind === "confirm") {
    html = `<p class="dialog-buttons"><button type="button" data-answer="yes"><kbd>${esc(yes)}</kbd> ${esc(t("dialog.yes"))}</button>`
      + `<button type="button" data-answer="no" autofocus><kbd>${esc(no)}</kbd> ${esc(t("dialog.no"))}</button></p>`;
  } else if (kind === "text") {
    html = `<label for="dialog-input">${esc(options.label)}</label>`
      + `<input type="text" id="dialog-input" autocomplete="off" spellcheck="false" placeholder="${esc(options.example || "")}">`;
  } else {
    html = `<ol>${entries.map(([value, text, on], i) =>
      `<li><label><input type="${many ? "checkbox" : "radio"}" name="entry" value="${esc(value)}"${on ? " checked" : ""}>`
      + `<span><kbd>${keys[i]}</kbd> ${esc(text)}</span></label></li>`).join("")}</ol>`;
    if (options.front) html += `<p><label><input type="checkbox" id="dialog-front"> <span>${esc(t("counterpage.front", {key: "F"}))}</span></label></p>`;
  }
  body.innerHTML = html;
  const okKey = {services: "O", refer: "V"}[kind] || "";
  $("dialog-ok").hidden = kind === "confirm";
  $("dialog-ok").textContent = okKey ? t("counterpage.confirm", {key: okKey}) : t("dialog.ok");
  return new Promise((resolve) => {
    const finish = (answer) => {
      state.dialog = null;
      dialog.onkeydown = null;
      if (dialog.open) dialog.close();
      resolve(answer);
      render();
    };
    const front = () => Boolean($("dialog-front")?.checked);
    const chosen = () => [...body.querySelectorAll("input[name=entry]:checked")].map((x) => x.value);
    const submit = () => {
      if (kind === "text") return finish($("dialog-input").value);
      if (many) return finish(chosen().length ? {chosen: chosen(), front: front()} : null);
      // Enter with the focus ring on an entry and none ticked: that entry, as the Textual
      // counter's Enter takes its highlighted one (it closed the dialog and did nothing)
      const focused = document.activeElement;
      const one = chosen()[0] ?? (focused && focused.name === "entry" && body.contains(focused) ? focused.value : undefined);
      return finish(one === undefined ? null : {chosen: one, front: front()});
    };
    state.dialog = {kind, finish};
    $("dialog-form").onsubmit = (event) => { event.preventDefault(); submit(); };
    $("dialog-cancel").onclick = () => finish(null);
    dialog.oncancel = (event) => { event.preventDefault(); finish(null); };
    body.querySelectorAll("[data-answer]").forEach((b) => { b.onclick = () => finish(b.dataset.answer === "yes"); });
    dialog.onkeydown = (event) => {
      if (event.ctrlKey || event.altKey || event.metaKey) return;
      const key = event.key.toLowerCase();
      if (kind === "text") return;  // typing goes to the field; Enter submits, Escape cancels
      let done = true;
      if (kind === "confirm" && key === yes.toLowerCase()) finish(true);
      else if (kind === "confirm" && key === no.toLowerCase()) finish(false);
      else if (options.front && key === "f") $("dialog-front").checked = !$("dialog-front").checked;
      else if (okKey && key === okKey.toLowerCase()) submit();
      else if (keys.includes(key)) {
        const input = body.querySelectorAll("input[name=entry]")[keys.indexOf(key)];
        if (many) input.checked = !input.checked;
        else { input.checked = true; submit(); }
      } else done = false;
      if (done) {  // the dialog's key, not also the main screen's (N for "no" is not "next")
        event.preventDefault();
        event.stopPropagation();
      }
    };
    dialog.showModal();
    (body.querySelector("[autofocus], input:checked, input") || $("dialog-ok")).focus();
  });
}

// ---- the actions ----

const ACTIONS = {
  async simple(name) {
    const paused = name === "next" && state.screen && state.screen.paused;
    const reply = await request({type: SIMPLE[name]});
    // N during a pause ends it (the server's rule): said, not silent
    if (paused && reply && reply.ticket) say(t("panel.pause_ended", {number: reply.ticket.number}));
  },
  async noshow() {
    if (await ask("confirm", t("dialog.confirm_noshow", {number: current().number}))) await request({type: "noshow"});
  },
  async finish() {
    const answer = await ask("choose", t("dialog.finish", {number: current().number}), {entries: choices("finish")});
    // "not the registered person" (a place won by lot) is a message of its own, counted apart
    if (answer) await request(answer.chosen === "identity_refused" ? {type: "refuse_identity"}
      : {type: "finish", outcome: answer.chosen});
  },
  async transfer() {
    const answer = await ask("transfer", t("dialog.transfer", {number: current().number}),
      {entries: choices("transfer"), front: true});
    if (!answer) return;
    const [kind, target] = answer.chosen.split(/:(.*)/s);
    const reply = await request({type: "transfer", front: answer.front,
      ...(kind === "service" ? {service: target} : {to_counter: target})});
    if (reply && reply.ticket) say(t("transfer.done", {number: reply.ticket.number, target: state.screen.targets[answer.chosen]}));
  },
  async takeback() {
    const parked = choices("takeback");
    if (!parked.length) return;
    const answer = await ask("choose", t("dialog.takeback"), {entries: parked});
    if (answer) await request({type: "call", ticket: answer.chosen});
  },
  async call() {
    const number = await ask("text", t("dialog.call"), {label: t("counterpage.number_label"), example: "A017"});
    if (number && number.trim()) await request({type: "call", ticket: number.trim().toUpperCase()});
  },
  async pause() {
    if (state.screen && state.screen.paused) { await request({type: "resume"}); return; }
    // the reason is stored with the counter for the site's retention days: the dialog says so
    const why = await ask("text", t("dialog.pause", {days: state.site.retention_days}), {label: t("counterpage.reason_label")});
    if (why !== null) await request({type: "pause", reason: why.trim()});
  },
  async endshift() {
    const answer = await ask("text", t("dialog.endshift"), {label: t("counterpage.time_label"), example: "12:30"});
    if (answer === null) return;
    const at = plannedEnd(answer);
    if (at === undefined) say(t("error.bad_time"), true);
    else if (typeof at === "string") say(t("error.end_passed", {time: at}), true);
    else await request({type: "close_at", at});
  },
  async open() {
    const mine = state.screen.choices.open_now;
    const entries = choices("open").map(([s, name]) => [s, name, mine.includes(s)]);
    const answer = await ask("services", t("dialog.open"), {entries});
    if (answer) await request({type: "open", services: answer.chosen});
  },
  async close() {
    const cur = current();
    if (cur && !(await ask("confirm", t("dialog.confirm_close", {number: cur.number})))) return;
    await request({type: "close"});
  },
  async refer() {
    const entries = choices("refer");
    if (!entries.length) { say(t("referral.none"), true); return; }
    const answer = await ask("refer", t("referral.title", {number: current().number}), {entries, front: true});
    if (!answer) return;
    const reply = await request({type: "refer", partners: answer.chosen, front: answer.front});
    if (reply && reply.ticket) {
      const names = answer.chosen.map((id) => state.screen.partners[id]).join(", ");
      const done = t("referral.done", {number: reply.ticket.number, partners: names});
      if (!answer.chosen.some((id) => state.screen.outside.includes(id))) { say(done); return; }
      const desk = state.me.counters.find((c) => c.id === state.counter);
      if (!desk || !desk.printer) { say(`${done} ${t("counterpage.card_on_phone")}`); return; }
      // the counter's printer is the server's to reach: it prints the slip of the outside partners
      const printed = await fetch(`/counter/slip?counter=${encodeURIComponent(state.counter)}`
        + `&ticket=${encodeURIComponent(reply.ticket.number)}`).catch(() => null);
      const why = printed && !printed.ok ? (await printed.json().catch(() => ({}))).error || printed.status : "";
      say(printed && printed.ok ? `${done} ${t("referral.printed")}`
        : `${done} ${t("referral.print_failed", {message: why || t("error.connection")})}`, !(printed && printed.ok));
    }
  },
};

// "HH:MM" (or "12.30", "12") as that moment today on the office's clock; "" is no end,
// undefined unreadable, a time already past today comes back as "HH:MM" to say so (taken as
// tomorrow's, "15:30" typed at 19:43 read "bis 15:30" and meant nothing today)
function plannedEnd(text) {
  text = text.trim();
  if (!text) return null;
  const match = text.replace(".", ":").match(/^(\d{1,2})(?::(\d{1,2}))?$/);
  if (!match || Number(match[1]) > 23 || Number(match[2] || 0) > 59) return undefined;
  const now = Date.now() / 1000;
  const [h, m, s] = new Date(now * 1000).toLocaleTimeString("de-DE", {hour: "2-digit", minute: "2-digit",
    second: "2-digit", hourCycle: "h23", timeZone: state.site.timezone}).split(":").map(Number);
  let at = Math.floor(now) - (h * 3600 + m * 60 + s) + Number(match[1]) * 3600 + Number(match[2] || 0) * 60;
  if (at <= now) return `${match[1].padStart(2, "0")}:${(match[2] || "0").padStart(2, "0")}`;
  return at;
}

function allowed(action) { return state.online && !(NEEDS_VISITOR.has(action) && !current()); }

async function run(action) {
  if (state.dialog) return;
  // an action still waiting (for the database, or unanswered for a second): a second press is not
  // queued behind it, where it would act on what the first changed ("Es ist niemand aufgerufen.")
  if (state.held || state.slow) { say(state.held ? `${t("waits.held")} ${t("waits.still")}` : t("waits.still"), true); return; }
  // typed ahead ("N S"): an action for the visitor waits for the call before it to be answered
  if (NEEDS_VISITOR.has(action) && !current()) await state.sending;
  if (state.dialog || !allowed(action)) return;
  if (action in SIMPLE) await ACTIONS.simple(action);
  else await ACTIONS[action]();
}

document.addEventListener("keydown", (event) => {
  if (state.dialog || event.ctrlKey || event.altKey || event.metaKey) return;
  if (["INPUT", "TEXTAREA", "SELECT"].includes(event.target.tagName)) return;
  const key = event.key.toLowerCase();
  if (!$("picker").hidden) {
    const index = entryKeys(9).indexOf(key);
    const button = $("counters").querySelectorAll("button")[index];
    if (button && !button.disabled) { event.preventDefault(); button.click(); }
    return;
  }
  const found = KEYS.find(([k]) => k === key);
  if (found) { event.preventDefault(); run(found[1]); }
});

// ---- the screen ----

function setStatus(name, text) {
  $("status").dataset.state = name;
  $("status").textContent = text;
  document.body.dataset.state = name;
}

function say(text, error = false) {
  $("message").textContent = text;
  $("message").classList.toggle("error", error);
}

function render() {
  const screen = state.screen;
  if (!screen) return;
  $("title").textContent = screen.title;
  $("desk-state").textContent = state.online ? screen.state : "";
  renderCurrent();
  renderQueues();
  $("parked").innerHTML = screen.parked.length ? screen.parked.map((n) => `<li>${esc(n)}</li>`).join("") : "<li>–</li>";
  // the latest first, as many as fit a 1366x768 screen; the rest as a count
  const latest = screen.handled.slice(0, HANDLED_SHOWN);
  $("handled").innerHTML = latest.length ? latest.map(([number, text]) =>
    `<li><strong>${esc(number)}</strong> ${esc(text)}</li>`).join("")
    + (screen.handled.length > latest.length
      ? `<li>${esc(t("counterpage.more", {count: screen.handled.length - latest.length}))}</li>` : "")
    : "<li>–</li>";
  document.querySelectorAll("#actions button").forEach((b) => { b.disabled = !allowed(b.dataset.action); });
  document.body.dataset.rendered = String(Date.now());
}

// the current visitor: in a live region, so a screen reader hears each new call once
function renderCurrent() {
  const ticket = current();
  const shown = ticket ? JSON.stringify(ticket) : "";
  if ($("current").dataset.shown === shown && shown) return;
  $("current").dataset.shown = shown;
  if (!ticket) { $("current").innerHTML = `<p>${esc(state.screen.nobody)}</p>`; return; }
  const part = ([text, style]) => (style === "strong" ? `<strong>${esc(text)}</strong>`
    : style === "need" ? `<span class="need">${esc(text)}</span>`
    : style === "registered" ? `<span class="registered">${esc(text)}</span>` : esc(text));
  $("current").innerHTML = `<p class="number">${esc(ticket.number)}</p>`
    + [ticket.head, ...ticket.lines].map((line) => `<p>${line.map(part).join(" ")}</p>`).join("")
    + (ticket.documents ? `<p>${esc(ticket.documents)}</p>` : "");
}

function renderQueues() {
  const screen = state.screen;
  $("interpreter-column").textContent = screen.headers[4];
  $("queues").querySelector("tbody").innerHTML = screen.queues.map(([service, name, waiting, longest, estimate, needs]) =>
    `<tr data-service="${esc(service)}"><th scope="row">${esc(name)}</th><td class="num">${esc(waiting)}</td><td class="num">${esc(longest)}</td>`
    + `<td class="num">${esc(estimate)}</td><td>${esc(needs)}</td></tr>`).join("");
}

function buildActions() {
  $("actions").innerHTML = KEYS.map(([key, action]) =>
    `<button type="button" data-action="${action}" aria-keyshortcuts="${key.toUpperCase()}">`
    + `<kbd>${key.toUpperCase()}</kbd> ${esc(label(action))}</button>`).join("");
  $("actions").querySelectorAll("button").forEach((b) => { b.onclick = () => run(b.dataset.action); });
}

function showPicker() {
  setStatus("picking", "");  // no counter yet: nothing is connecting ("verbinde …" stood over the picker)
  $("desk").hidden = true;
  $("actions").hidden = true;
  $("change").hidden = true;
  $("picker").hidden = false;
  const keys = entryKeys(9);
  $("counters").innerHTML = state.me.counters.length ? state.me.counters.slice(0, 9).map((c, i) =>
    `<li><button type="button" data-counter="${esc(c.id)}" aria-keyshortcuts="${keys[i]}">`
    + `${esc(t(c.taken ? "counterpage.taken" : "counterpage.pick_counter", {key: keys[i], counter: c.name}))}</button></li>`).join("")
    : `<li>${esc(t("counterpage.no_counters"))}</li>`;
  $("counters").querySelectorAll("button").forEach((b) => { b.onclick = () => choose(b.dataset.counter); });
  $("counters").querySelector("button")?.focus();
}

function choose(counter) {
  state.counter = counter;
  state.refused = false;
  sessionStorage.setItem(STORED, counter);
  $("picker").hidden = true;
  $("desk").hidden = false;
  $("actions").hidden = false;
  $("change").hidden = state.me.counters.length < 2;
  if (state.ws) { state.ws.onclose = null; state.ws.close(); }
  state.site = null;
  state.screen = null;
  say("");
  setStatus("connecting", t("counterpage.connecting"));
  connect();
}

async function start() {
  await loadWords();
  state.me = await (await fetch("/counter/me.json")).json();
  $("me").textContent = t("counterpage.me", {name: state.me.name});
  $("to-board").hidden = !state.me.board;
  $("change").onclick = () => { if (state.ws) { state.ws.onclose = null; state.ws.close(); } state.online = false; showPicker(); };
  buildActions();
  // a counter in the address (the PC's bookmark, /counter?counter=3), else this tab's last one
  const wanted = new URLSearchParams(location.search).get("counter") || sessionStorage.getItem(STORED);
  if (wanted && state.me.counters.some((c) => c.id === wanted)) choose(wanted);
  else if (new URLSearchParams(location.search).get("counter")) choose(wanted);  // the server says why not
  else if (state.me.counters.length === 1) choose(state.me.counters[0].id);
  else showPicker();
}

start();
