// The floor board: renders the `board` frames the server pushes on every change; a
// supervisor's buttons and forms send actions on the same socket. Durations tick locally.
"use strict";

const state = {floor: null, offset: 0, me: null, ws: null, nextId: 1, formsBuilt: false, planBase: null};
window.willkommenBoard = state;

const $ = (id) => document.getElementById(id);
const esc = (text) => String(text ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const now = () => Date.now() / 1000 + state.offset;
// times in the site's time zone (the server sends it), whatever the browser's own zone is
const clock = (seconds) => staffClock(seconds, state.floor.timezone);
const languageName = (tag) => (state.floor.language_names || {})[tag] || tag;

const minutes = staffMinutes;

function since(t) {
  return t ? `<span data-since="${t}">${minutes(now() - t)}</span>` : "";
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const ws = new WebSocket(`${scheme}://${location.host}/board/ws`);
  state.ws = ws;
  ws.onopen = () => setStatus("online", t("board.live"));
  ws.onmessage = (event) => receive(JSON.parse(event.data));
  ws.onclose = (event) => {
    if (event.code === 4401) { location.assign("/signin"); return; }
    setStatus("offline", t("board.lost"));
    setTimeout(connect, 2000);
  };
}

function setStatus(name, text) {
  $("status").dataset.state = name;
  $("status").textContent = text;
}

function receive(message) {
  if (knowledgeReceive(message)) return;  // the network's panel (network.js)
  if (message.type === "board") {
    state.floor = message.floor;
    state.offset = message.floor.now - Date.now() / 1000;
    render();
  } else if (message.type === "registered" || (message.type === "error" && message.re === state.deskPending)) {
    deskAnswered(message);
  } else if ((message.type === "reply" || message.type === "error") && message.re === state.witnessPending) {
    state.witnessPending = null;
    $("witness-answer").textContent = message.type === "reply" ? t("board.done") : t("board.not_done", {message: message.text || message.message});
    if (message.type === "reply") $("witness-form").reset();
  } else if (message.type === "reply" || message.type === "error") {
    // the answer stands beside the form it answers: the plan's own, or the others'
    const where = state.planPending ? $("plan-answer") : $("answer");
    state.planPending = false;
    where.textContent = message.type === "reply" ? t("board.done") : t("board.not_done", {message: message.text || message.message});
  }
}

function send(action) {
  $("answer").textContent = "";
  state.ws.send(JSON.stringify({...action, id: state.nextId++}));
}

function render() {
  const floor = state.floor;
  $("office").textContent = t("board.heading", {site: floor.site});
  document.body.dataset.rendered = String(floor.now);
  renderAlerts(floor);
  renderCounters(floor);
  renderQueues(floor);
  renderInterpreters(floor);
  renderDevices(floor);
  renderAnnouncements(floor);
  renderPlan(floor);
  renderLottery(floor);
  renderKnowledge(floor);
  if (!state.formsBuilt) buildForms(floor);
}

function renderAlerts(floor) {
  $("alerts").innerHTML = floor.alerts.length
    ? floor.alerts.map((a) => `<li data-key="${esc(a.key)}">${clock(a.since)} — ${esc(a.text)}</li>`).join("")
    : `<li class="cleared">${esc(t("board.no_alerts"))}</li>`;
  $("cleared").innerHTML = floor.cleared.map((a) =>
    `<li class="cleared" data-key="${esc(a.key)}">${clock(a.since)}–${clock(a.cleared_at)} — ${esc(a.text)}</li>`).join("");
}

function serviceName(id) {
  return (state.floor.services.find((s) => s.id === id) || {name: id}).name;
}

function renderCounters(floor) {
  const act = state.me && state.me.role === "supervisor";
  $("counters").querySelector("tbody").innerHTML = floor.counters.map((c) => {
    const visitor = c.visitor ? `<strong>${esc(c.visitor.number)}</strong> ${esc(serviceName(c.visitor.service))}, `
      + `${esc(languageName(c.visitor.lang))}${c.visitor.interpreter ? ` <strong>${esc(t("board.needs_interpreter"))}</strong>` : ""}, `
      + `${esc(t(`state.${c.visitor.state}`))} ${since(c.visitor.since)}` : "";
    // a pause's reason and length and the served count come only where the site allows
    // figures per counter (personal data: staff council)
    const stateText = c.state === "paused" ? (c.reason ? t("state.paused", {reason: c.reason}) : t("board.paused"))
      : t(`state.${c.state}`);
    const button = !act ? "" : c.state === "closed"
      ? `<button data-action="open_counter" data-counter="${esc(c.id)}">${esc(t("board.open_counter", {counter: c.name}))}</button>`
      : `<button data-action="close_counter" data-counter="${esc(c.id)}">${esc(t("board.close_counter", {counter: c.name}))}</button>`;
    return `<tr data-counter="${esc(c.id)}"><th scope="row">${esc(c.name)} <small>${esc(c.zone_name)}</small></th>`
      + `<td class="state-${esc(c.state)}">${esc(stateText)} ${since(c.since)}</td><td>${visitor}</td>`
      + (floor.personal ? `<td class="num">${staffNumber(c.served)}</td>` : "") + `<td>${button}</td></tr>`;
  }).join("");
  document.querySelectorAll(".act").forEach((th) => { th.hidden = !act; });
  document.querySelectorAll(".personal").forEach((th) => { th.hidden = !floor.personal; });
}

function renderQueues(floor) {
  $("queues").querySelector("tbody").innerHTML = floor.queues.map((q) => {
    const late = q.waiting && q.longest_wait > q.max_wait;
    const trend = Object.entries(q.trend).map(([hour, n]) => t("board.hour", {hour, count: n})).join(", ");
    return `<tr data-service="${esc(q.service)}"><th scope="row" lang="${esc(floor.lang)}">${esc(q.name)}</th><td class="num">${staffNumber(q.waiting)}</td>`
      + `<td class="${late ? "late" : ""}">${q.waiting ? minutes(q.longest_wait) : "–"} / ${minutes(q.max_wait)}</td>`
      + `<td>${q.eta ? esc(t("panel.range", {low: q.eta[0], high: q.eta[1]})) : "–"}</td><td>${esc(trend) || "–"}</td></tr>`;
  }).join("");
}

// names of languages and services come in the viewer's board language (`floor.lang`, the
// person's `lang` in the site file); the page's own words from the staff catalogue
// who waits for an interpreter, per language, longest wait first (server/manager/interpreters.py)
function renderInterpreters(floor) {
  const rows = floor.interpreters || [];
  $("interpreters").querySelector("tbody").innerHTML = rows.length ? rows.map((i) =>
    `<tr data-lang="${esc(i.lang)}"><th scope="row" lang="${esc(floor.lang)}">${esc(i.name)}</th><td class="num">${i.waiting}</td>`
    + `<td>${since(floor.now - i.longest_wait)}</td><td>${i.numbers.map(esc).join(", ")}</td>`
    + `<td class="partners">${i.partners.length ? i.partners.map(partner).join("")
      : esc(t("board.no_partners"))}</td></tr>`).join("")
    : `<tr><td colspan="5">${esc(t("board.nobody_interpreter"))}</td></tr>`;
}

// an interpreting partner from the site config: how to reach them
function partner(p) {
  const phone = p.phone ? ` <a href="tel:${esc(p.phone.replace(/\s/g, ""))}">${esc(p.phone)}</a>` : "";
  const web = /^https?:\/\//.test(p.web) ? ` <a href="${esc(p.web)}" rel="noopener">${esc(p.web.replace(/^https?:\/\//, ""))}</a>` : "";
  const hours = p.hours ? ` <small>${esc(p.hours)}</small>` : "";
  return `<div data-partner="${esc(p.id)}"><strong>${esc(p.name)}</strong>${phone}${web}${hours}</div>`;
}

function renderDevices(floor) {
  $("kiosks").querySelector("tbody").innerHTML = floor.kiosks.map((k) =>
    `<tr data-kiosk="${esc(k.id)}"><th scope="row">${esc(k.name)}</th><td>${esc(t(k.connected ? "board.yes" : "board.no_offline"))}</td>`
    + (k.connected
      ? `<td class="${["ok", "unknown"].includes(k.printer) ? "" : "late"}">${esc(t(`printer.${k.printer}`))}</td>`
      : `<td class="late">${esc(t("board.printer_unknown_offline"))}</td>`)
    + `<td>${clock(k.connected ? k.since : k.offline_since)}</td></tr>`).join("");
  $("displays").querySelector("tbody").innerHTML = floor.displays.map((d) =>
    `<tr data-zone="${esc(d.zone)}"><th scope="row">${esc(d.name)}</th>`
    + `<td class="num ${d.screens ? "" : "late"}">${staffNumber(d.screens)}</td><td>${esc(d.terminals.join(", "))}</td></tr>`).join("");
}

function renderAnnouncements(floor) {
  const act = state.me && state.me.role === "supervisor";
  $("announcements").innerHTML = floor.announcements.length ? floor.announcements.map((a) =>
    `<li><span lang="de">${esc(a.texts.de)}</span> — ${esc(t("board.until", {time: clock(a.until)}))}`
    + `${a.by ? `, ${esc(t("board.by", {name: a.by}))}` : ""} `
    + (act ? `<button data-action="end_announcement" data-announcement="${esc(a.id)}">${esc(t("board.end"))}</button>` : "")
    + "</li>").join("") : `<li>${esc(t("board.no_announcements"))}</li>`;
}

// the day's plan (server/manager/plan.py): today's capacity beside what is drawn, the weekly
// plan and the exceptions; a supervisor's change sends the whole plan back (`set_plan`) with the
// version of the plan the edit started from (`since`): when someone else changed the plan in
// between, the server refuses it (saying who and when) and the tables show the plan as it is now
const KINDS = ["closed", "off", "training"];
const counterName = (id) => id ? (state.floor.counters.find((c) => c.id === id) || {name: id}).name : t("board.all_counters");

function renderPlan(floor) {
  const act = state.me && state.me.role === "supervisor";
  $("no-plan").hidden = floor.capacity.length > 0;
  $("capacity").hidden = floor.capacity.length === 0;
  $("capacity").querySelector("tbody").innerHTML = floor.capacity.map((c) =>
    `<tr data-service="${esc(c.service)}"><th scope="row" lang="${esc(floor.lang)}">${esc(c.name)}</th>`
    + `<td class="num">${staffNumber(c.capacity)}</td><td class="num ${c.drawn > c.capacity ? "late" : ""}">${staffNumber(c.drawn)}</td></tr>`).join("");
  const remove = (list, i) => act ? `<button data-remove="${list}" data-index="${i}">${esc(t("board.remove"))}</button>` : "";
  const nothing = (n) => `<tr><td colspan="6">${esc(t("board.no_rows"))}</td></tr>`.repeat(n ? 0 : 1);
  $("template").querySelector("tbody").innerHTML = floor.plan.template.map((s, i) =>
    `<tr data-shift="${i}"><td>${esc(t(`stats.weekday.${s.weekday}`))}</td><td>${esc(counterName(s.counter))}</td>`
    + `<td>${esc(s.start)}</td><td>${esc(s.end)}</td>`
    + `<td>${(s.services || []).length ? s.services.map((x) => esc(serviceName(x))).join(", ") : esc(t("board.own_services"))}</td>`
    + `<td>${remove("template", i)}</td></tr>`).join("") + nothing(floor.plan.template.length);
  $("exceptions").querySelector("tbody").innerHTML = floor.plan.exceptions.map((x, i) =>
    `<tr data-exception="${i}"><td>${esc(staffDate(x.day))}</td><td>${esc(counterName(x.counter || ""))}</td>`
    + `<td>${esc(x.start || "00:00")}</td><td>${esc(x.end || "24:00")}</td><td>${esc(t(`plan.${x.kind}`))}</td>`
    + `<td>${remove("exceptions", i)}</td></tr>`).join("") + nothing(floor.plan.exceptions.length);
}

// fair access (README "Fair access"): each lottery day the server sums up (`access`, from
// server/core/access_days.summary) — entries per service, the draw, who came; hidden without one
const percent = (part, whole) => new Intl.NumberFormat(staff.lang, {style: "percent", maximumFractionDigits: 0})
  .format(whole ? part / whole : 0);

function lotteryState(d) {
  if (d.drawn) return t("lottery.drawn", {draw_at: clock(d.draw_at)});
  return t(now() < d.closes_at ? "lottery.open" : "lottery.closed", {closes: clock(d.closes_at), draw_at: clock(d.draw_at)});
}

function wonAfter(after) {
  const rows = Object.entries(after || {}).map(([days, count]) => {
    const key = days === "0" ? "lottery.won_after_first" : days === "1" ? "lottery.won_after_one" : "lottery.won_after_days";
    return t(key, {days: staffNumber(Number(days)), count: staffNumber(count)});
  });
  return rows.length ? rows.map(esc).join("<br>") : esc(t("lottery.won_after_none"));
}

// the ways in: the phone page, a kiosk, the information desk (an unknown one by its name)
function byWay(via) {
  const ways = Object.entries(via || {});
  return ways.length ? ways.map(([way, count]) => esc(`lottery.via.${way}` in staff.words
    ? t(`lottery.via.${way}`, {count: staffNumber(count)}) : `${way}: ${staffNumber(count)}`)).join("<br>") : "–";
}

function lotteryDay(d) {
  const day = staffDate(d.day);
  const row = (name, s) => `<tr data-service="${esc(name)}"><th scope="row">${esc(name ? serviceName(name) : t("lottery.total"))}</th>`
    + `<td class="num">${staffNumber(s.entries)}</td>`
    + `<td class="num">${esc(t("lottery.share", {count: staffNumber(s.urgent), share: percent(s.urgent, s.entries)}))}</td>`
    + `<td class="num">${staffNumber(s.contingent)}</td><td class="num">${staffNumber(s.places)}</td></tr>`;
  const services = Object.entries(d.services || {});
  const total = {entries: d.entries, urgent: d.urgent, places: d.places,
    contingent: services.reduce((n, [, s]) => n + s.contingent, 0)};
  const figure = (key, value, attr = "") => `<tr${attr}><th scope="row">${esc(t(key))}</th><td>${value}</td></tr>`;
  return `<div class="lottery-day" data-day="${esc(d.day)}"><h3>${esc(t("lottery.day", {day}))}</h3>`
    + `<table class="lottery-services"><caption>${esc(t("lottery.caption", {day}))}</caption>`
    + `<thead><tr><th scope="col">${esc(t("lottery.service"))}</th><th scope="col" class="num">${esc(t("lottery.entries"))}</th>`
    + `<th scope="col" class="num">${esc(t("lottery.urgent"))}</th><th scope="col" class="num">${esc(t("lottery.contingent"))}</th>`
    + `<th scope="col" class="num">${esc(t("lottery.places"))}</th></tr></thead>`
    + `<tbody>${services.map(([name, s]) => row(name, s)).join("")}${services.length > 1 ? row("", total) : ""}</tbody></table>`
    + `<table class="lottery-figures"><caption>${esc(t("lottery.figures", {day}))}</caption><tbody>`
    + figure("lottery.state", esc(lotteryState(d)), ` data-drawn="${d.drawn}"`)
    + figure("lottery.proof", `<a href="${esc(d.proof)}">${esc(t("lottery.proof_link"))}</a>`)
    + figure("lottery.seed_hash", `<code class="hash">${esc(d.seed_hash)}</code>`)
    + figure("lottery.witness", witnessOf(d), ' data-figure="witness"')
    + figure("lottery.via", byWay(d.via), ' data-figure="via"')
    + figure("lottery.given", staffNumber(d.places), ' data-figure="given"')
    + figure("lottery.came", staffNumber(d.came), ' data-figure="came"')
    + figure("lottery.no_shows", staffNumber(d.no_shows), ' data-figure="no_shows"')
    + figure("lottery.offered", staffNumber(d.offered), ' data-figure="offered"')
    + figure("lottery.refused", staffNumber(d.identity_refused), ' data-figure="refused"')
    + figure("lottery.won_after", wonAfter(d.won_after_unlucky_days), ' data-figure="won_after"')
    + "</tbody></table></div>";
}

// a witness's words (server/core/lottery.draw_seed): taken between the window's close and the draw
function witnessOf(d) {
  if (d.witness) return esc(t("lottery.witness_given", {words: d.witness.words, by: d.witness.by, time: clock(d.witness.at)}));
  return d.drawn ? esc(t("lottery.witness_none")) : "–";
}

function renderLottery(floor) {
  const days = floor.access || [];
  $("lottery").hidden = !days.length;
  $("lottery-days").innerHTML = days.map(lotteryDay).join("");
  const due = days.find((d) => !d.drawn && !d.witness && now() >= d.closes_at);
  $("witness-form").hidden = !due;
  if (!due) return;
  state.witnessDay = due.day;
  $("witness-help").textContent = t("lottery.witness_help", {day: staffDate(due.day), draw_at: clock(due.draw_at)});
}

$("witness-form").addEventListener("submit", (event) => {
  event.preventDefault();
  state.witnessPending = state.nextId;
  $("witness-answer").textContent = "";
  state.ws.send(JSON.stringify({type: "witness", id: state.nextId++, day: state.witnessDay, words: $("witness-words").value}));
});

// an edit starts when a plan form is first touched: the plan then is the one it changes
function startPlanEdit() {
  if (!state.planBase && state.floor) state.planBase = state.floor.plan;
}
["add-shift", "add-exception"].forEach((id) => ["focusin", "input"].forEach((kind) =>
  $(id).addEventListener(kind, startPlanEdit)));

function sendPlan(change, base = state.planBase || state.floor.plan) {
  const plan = {template: [...base.template], exceptions: [...base.exceptions]};
  change(plan);
  state.planBase = null;
  $("plan-answer").textContent = "";
  state.planPending = true;
  send({type: "set_plan", ...plan, since: base.version});
}

function buildPlanForms(floor) {
  $("shift-weekday").innerHTML = [0, 1, 2, 3, 4, 5, 6].map((d) => `<option value="${d}">${esc(t(`stats.weekday.${d}`))}</option>`).join("");
  $("shift-counter").innerHTML = floor.counters.map((c) => `<option value="${esc(c.id)}">${esc(c.name)}</option>`).join("");
  $("exception-counter").innerHTML = `<option value="">${esc(t("board.all_counters"))}</option>` + $("shift-counter").innerHTML;
  $("shift-services").innerHTML = floor.services.map((s) => `<option value="${esc(s.id)}">${esc(s.name)}</option>`).join("");
  $("exception-kind").innerHTML = KINDS.map((k) => `<option value="${k}">${esc(t(`plan.${k}`))}</option>`).join("");
}

// the info desk registers a caller for the places by lot (`via` desk, set by the server)
function buildDesk(floor) {
  const lottery = floor.lottery || [];
  $("desk").hidden = !lottery.length || !state.me || state.me.role === "reader";  // a reader only looks
  $("desk-service").innerHTML = lottery.map((id) => `<option value="${esc(id)}">${esc(serviceName(id))}</option>`).join("");
  $("desk-lang").innerHTML = floor.languages.map((lang) => `<option value="${lang}">${esc(languageName(lang))}</option>`).join("");
}

function deskAnswered(message) {
  state.deskPending = null;
  if (message.type === "registered") {
    const url = `${location.origin}/register/${message.entry}?lang=${$("desk-lang").value}`;
    $("desk-answer").textContent = t("desk.done", {day: staffDate(message.day), draw_at: clock(message.draw_at), url});
    $("desk-form").reset();
    return;
  }
  const key = `desk.error.${message.code}`;
  $("desk-answer").textContent = key in staff.words ? t(key) : t("desk.error.other", {message: message.text || message.message});
}

$("desk-form").addEventListener("submit", (event) => {
  event.preventDefault();
  state.deskPending = state.nextId;
  $("desk-answer").textContent = "";
  state.ws.send(JSON.stringify({type: "register", id: state.nextId++, service: $("desk-service").value,
    lang: $("desk-lang").value, name: $("desk-name").value.trim(), birth_date: $("desk-birth").value,
    contact: $("desk-contact").value.trim(), urgent_until: $("desk-urgent").value}));
});

function buildForms(floor) {
  state.formsBuilt = true;
  buildDesk(floor);
  buildPlanForms(floor);
  $("announce-texts").innerHTML += floor.languages.map((lang) =>
    `<label for="text-${lang}">${esc(languageName(lang))}</label>`
    + `<input id="text-${lang}" data-lang="${lang}" lang="${lang}" dir="auto" maxlength="300" size="50"`
    + `${lang === "de" ? " required" : ""}>`).join("");
  $("move-service").innerHTML += floor.services.map((s) =>
    `<option value="${esc(s.id)}">${esc(s.name)}</option>`).join("");
}

document.addEventListener("click", (event) => {
  const removing = event.target.closest("button[data-remove]");
  if (removing) {
    // the row as the table shows it now
    sendPlan((plan) => plan[removing.dataset.remove].splice(Number(removing.dataset.index), 1), state.floor.plan);
    return;
  }
  const button = event.target.closest("button[data-action]");
  if (!button) return;
  const action = {type: button.dataset.action};
  if (button.dataset.counter) action.counter = button.dataset.counter;
  if (button.dataset.announcement) action.announcement = button.dataset.announcement;
  send(action);
});

$("announce").addEventListener("submit", (event) => {
  event.preventDefault();
  const texts = {};
  document.querySelectorAll("#announce-texts input").forEach((input) => {
    if (input.value.trim()) texts[input.dataset.lang] = input.value.trim();
  });
  const [h, m] = $("announce-until").value.split(":").map(Number);
  // "until" is the office's clock time: count from the site's time of day now, not the browser's
  const [hNow, mNow, sNow] = new Date(now() * 1000).toLocaleTimeString("de-DE",
    {hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23", timeZone: state.floor.timezone})
    .split(":").map(Number);
  const until = Math.floor(now()) - (hNow * 3600 + mNow * 60 + sNow) + h * 3600 + m * 60;
  send({type: "announce", texts, until});
});

$("add-shift").addEventListener("submit", (event) => {
  event.preventDefault();
  const shift = {counter: $("shift-counter").value, weekday: Number($("shift-weekday").value),
    start: $("shift-start").value, end: $("shift-end").value,
    services: [...$("shift-services").selectedOptions].map((o) => o.value)};
  sendPlan((plan) => plan.template.push(shift));
});

$("add-exception").addEventListener("submit", (event) => {
  event.preventDefault();
  const exception = {day: $("exception-day").value, kind: $("exception-kind").value, counter: $("exception-counter").value};
  if ($("exception-start").value) exception.start = $("exception-start").value;
  if ($("exception-end").value) exception.end = $("exception-end").value;
  sendPlan((plan) => plan.exceptions.push(exception));
});

$("move").addEventListener("submit", (event) => {
  event.preventDefault();
  const action = {type: "move", ticket: $("move-ticket").value.trim(), front: $("move-front").checked};
  if ($("move-service").value) action.service = $("move-service").value;
  send(action);
});

setInterval(() => {
  document.querySelectorAll("[data-since]").forEach((el) => { el.textContent = minutes(now() - Number(el.dataset.since)); });
}, 1000);

async function start() {
  await loadWords();
  state.me = await (await fetch("/board/me.json")).json();
  $("me").textContent = t("board.me", {name: state.me.name, role: t(`role.${state.me.role}`)});
  document.querySelectorAll(".supervisor").forEach((el) => { el.hidden = state.me.role !== "supervisor"; });
  connect();
}

start();
