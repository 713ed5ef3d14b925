// The counter in the browser: the Textual counter's keys, dialogs and panels on the terminals'
// own protocol (server/wire/protocol.py). No rule of the queue is here: the page shows what the
// server sends (the welcome, replies, pushed tickets, desks and queues, whose figures the server
// computes for both counters) and sends what the clerk did. Every word is the staff catalogue's.
"use strict";

const KEYS = [["n", "next"], ["r", "recall"], ["s", "start"], ["x", "noshow"], ["t", "transfer"], ["p", "park"],
  ["b", "takeback"], ["f", "finish"], ["c", "call"], ["w", "pause"], ["o", "open"], ["q", "close"],
  ["e", "endshift"], ["v", "refer"]];
const NEEDS_VISITOR = new Set(["recall", "start", "noshow", "transfer", "park", "finish", "refer"]);
const SIMPLE = {next: "next", recall: "recall", start: "start", park: "park"};
const STORED = "willkommen-counter";
const HANDLED_SHOWN = 8;

const state = {me: null, counter: null, site: null, desk: null, queues: {}, transferred: {}, languageNames: {},
  ws: null, online: false, nextId: 1, pending: new Map(), sending: Promise.resolve(), dialog: null, refused: false};
window.willkommenCounter = state;

const $ = (id) => document.getElementById(id);
const esc = (text) => String(text ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const label = (action) => t(action === "refer" ? "referral.action" : `action.${action}`);
const current = () => (state.desk ? state.desk.current || null : null);

// ---- words built from data (as counter/board.py's Words does for the Textual counter) ----

function serviceName(id) {
  const service = (state.site?.services || []).find((s) => s.id === id);
  return service ? service.names[staff.lang] || service.names.de || id : id;
}
function counterInfo(id) { return (state.site?.counters || []).find((c) => c.id === id) || null; }
function languageName(tag) { return state.languageNames[tag] || tag; }
function clock(seconds) { return staffClock(seconds, state.site.timezone); }

function deskState(desk) {
  if (!desk) return t("state.closed");
  let text = t(`state.${desk.state}`, {reason: desk.pause_reason || "–"});
  if (desk.closes_at && desk.state !== "closed") text += ` · ${t("state.closes_at", {time: clock(desk.closes_at)})}`;
  return text;
}

function reason(ticket) {
  const service = (state.site.services || []).find((s) => s.id === ticket.service);
  const waited = Math.round(((ticket.called_at || ticket.issued_at) - ticket.issued_at) / 60);
  const key = `reason.${ticket.reason}`;
  return key in staff.words ? t(key, {waited, limit: service ? service.max_wait_minutes : 0}) : ticket.reason;
}

function waited(ticket) {
  const end = ticket.state !== "waiting" && ticket.called_at ? ticket.called_at : Date.now() / 1000;
  return t("panel.waited", {minutes: Math.round((end - ticket.issued_at) / 60)});
}

function transferTarget(kind, target) {
  return kind === "service" ? serviceName(target) : t("transfer.counter", {counter: counterInfo(target)?.name || target});
}

function handledText(ticket) {
  const cur = current();
  const left = !(cur && cur.number === ticket.number)
    && (ticket.counter !== state.counter || ["waiting", "called", "serving"].includes(ticket.state));
  if (!left) return t(`state.${ticket.state}`);
  const [kind, target] = state.transferred[ticket.number] || ["service", ticket.service];
  return t("transfer.handled", {target: transferTarget(kind, target)});
}

function interpreters(queue) {
  if (!queue || !queue.interpreters) return "";
  return Object.entries(queue.interpreters).sort((a, b) => b[1] - a[1] || languageName(a[0]).localeCompare(languageName(b[0])))
    .map(([lang, n]) => `${languageName(lang)} ${staffNumber(n)}`).join(", ");
}

function myServices() {
  if (state.desk && state.desk.services && state.desk.services.length) return state.desk.services;
  return counterInfo(state.counter)?.services || [];
}

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
    state.desk = message.snapshot.desks.find((d) => d.counter === message.counter) || null;
    state.queues = Object.fromEntries(message.snapshot.queues.map((q) => [q.service, q]));
    state.online = true;
    setStatus("online", t("counterpage.online"));
    say("");
  } else if (message.type === "reply" || message.type === "error") {
    const waiting = state.pending.get(message.re);
    state.pending.delete(message.re);
    if (waiting) waiting(message);
  } else if (message.type === "queues") {
    message.queues.forEach((q) => { state.queues[q.service] = q; });
  } else if (message.type === "desk" && message.desk.counter === state.counter && state.desk) {
    // a push carries no parked/handled lists: keep ours
    state.desk = {...message.desk, parked: state.desk.parked || [], handled: state.desk.handled || []};
  } else if ((message.type === "ticket" || message.type === "called") && state.desk) {
    const put = (list) => (list || []).map((x) => (x.number === message.ticket.number ? message.ticket : x));
    state.desk.handled = put(state.desk.handled);
    state.desk.parked = put(state.desk.parked).filter((x) => x.state === "parked");
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
    state.pending.set(id, resolve);
    state.ws.send(JSON.stringify({...message, id}));
  });
  const answer = state.sending.then(run);
  state.sending = answer.catch(() => null);
  return answer.then((reply) => {
    if (reply.type === "error") {
      // the server's sentence in the clerk's words (server/manager/words.py error_text)
      say(reply.text || t("error.other", {message: reply.message}), true);
      if (reply.code === "not_allowed") signedIn();  // signed out in another tab, or the sign-in ran out
      return null;
    }
    if (reply.desk && reply.desk.counter === state.counter) state.desk = reply.desk;
    say("");
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
  const reserved = kind === "refer" ? "fv" : kind === "transfer" ? "f" : kind === "services" ? "o" : kind === "confirm" ? "jny" : "";
  const keys = entryKeys(entries.length, reserved);
  const many = kind === "services" || kind === "refer";
  let html = "";
  if (kind === "confirm") {
    html = `<p class="dialog-buttons"><button type="button" data-answer="yes"><kbd>J</kbd> ${esc(t("dialog.yes"))}</button>`
      + `<button type="button" data-answer="no" autofocus><kbd>N</kbd> ${esc(t("dialog.no"))}</button></p>`;
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
      const one = chosen()[0];
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
      if (kind === "confirm" && (key === "j" || key === "y")) finish(true);
      else if (kind === "confirm" && key === "n") finish(false);
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
  async simple(name) { await request({type: SIMPLE[name]}); },
  async noshow() {
    if (await ask("confirm", t("dialog.confirm_noshow", {number: current().number}))) await request({type: "noshow"});
  },
  async finish() {
    const outcomes = Object.entries(state.site.outcomes).map(([key, names]) => [key, names[staff.lang] || names.de || key]);
    const answer = await ask("choose", t("dialog.finish", {number: current().number}), {entries: outcomes});
    if (answer) await request({type: "finish", outcome: answer.chosen});
  },
  async transfer() {
    const entries = state.site.services.map((s) => [`service:${s.id}`, `${t("dialog.to_service")}: ${serviceName(s.id)}`])
      .concat(state.site.counters.filter((c) => c.id !== state.counter)
        .map((c) => [`counter:${c.id}`, `${t("dialog.to_counter")}: ${c.name}`]));
    const answer = await ask("transfer", t("dialog.transfer", {number: current().number}), {entries, front: true});
    if (!answer) return;
    const [kind, target] = answer.chosen.split(/:(.*)/s);
    const reply = await request({type: "transfer", front: answer.front,
      ...(kind === "service" ? {service: target} : {to_counter: target})});
    if (reply && reply.ticket) {
      state.transferred[reply.ticket.number] = [kind, target];
      say(t("transfer.done", {number: reply.ticket.number, target: transferTarget(kind, target)}));
      render();
    }
  },
  async takeback() {
    const parked = (state.desk?.parked || []).map((x) => [x.number, `${x.number}  ${serviceName(x.service)}`]);
    if (!parked.length) return;
    const answer = await ask("choose", t("dialog.takeback"), {entries: parked});
    if (answer) await request({type: "call", ticket: answer.chosen});
  },
  async call() {
    const number = await ask("text", t("dialog.call"), {label: t("counterpage.number_label"), example: "A017"});
    if (number && number.trim()) await request({type: "call", ticket: number.trim().toUpperCase()});
  },
  async pause() {
    if (state.desk && state.desk.state === "paused") { await request({type: "resume"}); return; }
    const why = await ask("text", t("dialog.pause"), {label: t("counterpage.reason_label")});
    if (why !== null) await request({type: "pause", reason: why.trim()});
  },
  async endshift() {
    const answer = await ask("text", t("dialog.endshift"), {label: t("counterpage.time_label"), example: "12:30"});
    if (answer === null) return;
    const at = plannedEnd(answer);
    if (at === undefined) say(t("error.bad_time"), true);
    else await request({type: "close_at", at});
  },
  async open() {
    const mine = myServices();
    const entries = (counterInfo(state.counter)?.services || []).map((s) => [s, serviceName(s), mine.includes(s)]);
    const answer = await ask("services", t("dialog.open"), {entries});
    if (answer) await request({type: "open", services: answer.chosen});
  },
  async close() {
    const cur = current();
    if (cur && !(await ask("confirm", t("dialog.confirm_close", {number: cur.number})))) return;
    await request({type: "close"});
  },
  async refer() {
    const partners = state.site.partners || [];
    if (!partners.length) { say(t("referral.none"), true); return; }
    const name = (p) => p.names[staff.lang] || p.names.de;
    const entries = partners.map((p) => [p.id, `${name(p)} (${p.service
      ? t("referral.desk", {service: serviceName(p.service)}) : t("referral.card")})`]);
    const answer = await ask("refer", t("referral.title", {number: current().number}), {entries, front: true});
    if (!answer) return;
    const reply = await request({type: "refer", partners: answer.chosen, front: answer.front});
    if (reply && reply.ticket) {
      const chosen = partners.filter((p) => answer.chosen.includes(p.id));
      const done = t("referral.done", {number: reply.ticket.number, partners: chosen.map(name).join(", ")});
      if (!chosen.some((p) => !p.service)) { say(done); return; }
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

// "HH:MM" (or "12.30", "12") as the next such moment on the office's clock; "" is no end
function plannedEnd(text) {
  text = text.trim();
  if (!text) return null;
  const match = text.replace(".", ":").match(/^(\d{1,2})(?::(\d{1,2}))?$/);
  if (!match || Number(match[1]) > 23 || Number(match[2] || 0) > 59) return undefined;
  const now = Date.now() / 1000;
  const [h, m, s] = new Date(now * 1000).toLocaleTimeString("de-DE", {hour: "2-digit", minute: "2-digit",
    second: "2-digit", hourCycle: "h23", timeZone: state.site.timezone}).split(":").map(Number);
  let at = Math.floor(now) - (h * 3600 + m * 60 + s) + Number(match[1]) * 3600 + Number(match[2] || 0) * 60;
  if (at <= now) at += 86400;
  return at;
}

function allowed(action) { return state.online && !(NEEDS_VISITOR.has(action) && !current()); }

async function run(action) {
  if (state.dialog) return;
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
  if (!state.site) return;
  const info = counterInfo(state.counter);
  $("title").textContent = t("title", {counter: info ? info.name : state.counter});
  $("desk-state").textContent = state.online ? deskState(state.desk) : "";
  renderCurrent();
  renderQueues();
  const parked = state.desk?.parked || [], handled = state.desk?.handled || [];
  $("parked").innerHTML = parked.length ? parked.map((x) => `<li>${esc(x.number)}</li>`).join("") : "<li>–</li>";
  // the latest first, as many as fit a 1366x768 screen; the rest as a count
  const latest = [...handled].reverse().slice(0, HANDLED_SHOWN);
  $("handled").innerHTML = handled.length ? latest.map((x) =>
    `<li><strong>${esc(x.number)}</strong> ${esc(handledText(x))}</li>`).join("")
    + (handled.length > latest.length ? `<li>${esc(t("counterpage.more", {count: handled.length - latest.length}))}</li>` : "")
    : "<li>–</li>";
  document.querySelectorAll("#actions button").forEach((b) => { b.disabled = !allowed(b.dataset.action); });
  document.body.dataset.rendered = String(Date.now());
}

// the current visitor: in a live region, so a screen reader hears each new call once
function renderCurrent() {
  const ticket = current();
  const shown = ticket ? `${ticket.number}|${ticket.state}|${ticket.recalls || 0}` : "";
  if ($("current").dataset.shown === shown && shown) {
    const line = $("current").querySelector(".waited");
    if (line) line.textContent = waited(ticket);
    return;
  }
  $("current").dataset.shown = shown;
  if (!ticket) { $("current").innerHTML = `<p>${esc(t("panel.nobody"))}</p>`; return; }
  const service = (state.site.services || []).find((s) => s.id === ticket.service);
  const documents = service ? service.documents[staff.lang] || service.documents.de || [] : [];
  const appointment = ticket.appointment_at ? t("panel.appointment", {time: clock(ticket.appointment_at)}) : "";
  $("current").innerHTML = `<p class="number">${esc(ticket.number)}</p>`
    + `<p>${esc(t(`state.${ticket.state}`))}${ticket.recalls ? ` (${esc(t("panel.recalls", {count: ticket.recalls}))})` : ""}`
    + `${appointment ? ` <span class="appointment">${esc(appointment)}</span>` : ""}</p>`
    + `<p>${esc(serviceName(ticket.service))}</p>`
    + `<p><strong>${esc(t("panel.language", {language: languageName(ticket.lang)}))}</strong>`
    + `${ticket.interpreter ? ` <span class="need">${esc(t("interpreter.needed", {language: languageName(ticket.lang)}))}</span>` : ""}</p>`
    + `<p class="waited">${esc(waited(ticket))}</p>`
    + `<p>${esc(t("panel.why", {reason: reason(ticket)}))}</p>`
    + (documents.length ? `<p>${esc(t("counterpage.documents", {documents: documents.join(", ")}))}</p>` : "");
}

function renderQueues() {
  $("interpreter-column").textContent = t("interpreter.needed", {language: ""}).replace(/:\s*$/, "");
  $("queues").querySelector("tbody").innerHTML = myServices().map((service) => {
    const q = state.queues[service];
    return `<tr data-service="${esc(service)}"><th scope="row">${esc(serviceName(service))}</th>`
      + `<td class="num">${staffNumber(q ? q.waiting : 0)}</td>`
      + `<td class="num">${esc(t("panel.minutes", {minutes: q ? Math.round(q.longest_wait / 60) : 0}))}</td>`
      + `<td class="num">${esc(q && q.eta ? t("panel.range", {low: q.eta[0], high: q.eta[1]}) : t("panel.no_estimate"))}</td>`
      + `<td>${esc(interpreters(q))}</td></tr>`;
  }).join("");
}

function buildActions() {
  $("actions").innerHTML = KEYS.map(([key, action]) =>
    `<button type="button" data-action="${action}" aria-keyshortcuts="${key.toUpperCase()}">`
    + `<kbd>${key.toUpperCase()}</kbd> ${esc(label(action))}</button>`).join("");
  $("actions").querySelectorAll("button").forEach((b) => { b.onclick = () => run(b.dataset.action); });
}

function showPicker() {
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
  say("");
  setStatus("connecting", t("counterpage.connecting"));
  connect();
}

async function start() {
  await loadWords();
  state.me = await (await fetch("/counter/me.json")).json();
  state.languageNames = state.me.language_names || {};
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

setInterval(() => { if (current()) renderCurrent(); }, 15000);
start();
