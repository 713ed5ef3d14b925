// The exit terminal (/feedback?terminal=…&token=…): one tap on a face is one visitor's
// answer. The words rotate through the site's languages every few seconds; the faces stand
// still. After a tap the page says thank you and takes no tap for `thanks_seconds`; the
// server also limits taps per terminal (server/visitors/feedback.py). Taps made while the server
// cannot be reached wait in order and are sent when it is back: none is lost, none is sent twice.
"use strict";

const ROTATE_MS = 6000;
const RETRY_MS = 5000;
const config = JSON.parse(document.getElementById("config").textContent);
const body = document.body;
const terminal = {
  languages: config.languages,
  turn: 0,
  pending: [],      // taps not yet answered by the server, oldest first
  thanked: 0,       // taps the server confirmed
  refused: null,    // the server's last refusal, for staff (and tests)
  connected: false,
  rotate, hold, ready: () => ready(), send: () => send(),  // the page's own timers call these too
};
window.feedbackTerminal = terminal;

function words(lang) { return config.words[lang] || config.words[config.languages[0]]; }

function say(element, lang, text) {
  element.textContent = text;
  element.lang = lang;
  element.dir = words(lang).direction;
}

function show(lang) {
  const w = words(lang);
  say(document.getElementById("question"), lang, w.question);
  say(document.getElementById("tap"), lang, w.tap);
  for (const label of document.querySelectorAll(".face .label")) say(label, lang, w[label.dataset.word]);
  // each face takes its words' direction, so in portrait (face beside word) the face stands where
  // reading starts: on the right in Arabic; the row of faces (dir=ltr) keeps bad-to-good order
  for (const face of document.querySelectorAll(".face")) face.dir = w.direction;
  if (body.dataset.state === "thanks") say(document.getElementById("thanks"), lang, w.thanks);
  terminal.shown = lang;
}

function rotate() {
  terminal.turn = (terminal.turn + 1) % terminal.languages.length;
  show(terminal.languages[terminal.turn]);
}

function hold(lang) {  // one language only (tests; a site could pass ?lang= later)
  terminal.languages = [lang];
  terminal.turn = 0;
  show(lang);
}

// ---- taps ------------------------------------------------------------------------------------

let nextId = 1;

function tapped(button) {
  if (body.dataset.state !== "ready") return;
  terminal.pending.push({ type: "tap", id: nextId++, terminal: config.terminal, token: config.token,
                          score: Number(button.dataset.score) });
  body.dataset.state = "thanks";
  button.classList.add("chosen");
  say(document.getElementById("thanks"), terminal.shown, words(terminal.shown).thanks);
  for (const face of document.querySelectorAll(".face")) face.disabled = true;
  setTimeout(ready, config.thanks_seconds * 1000);
  if (!terminal.connected) staff("offline");  // kept: it goes when the server is back
  send();
}

function ready() {
  body.dataset.state = "ready";
  document.getElementById("thanks").textContent = "";
  for (const face of document.querySelectorAll(".face")) { face.disabled = false; face.classList.remove("chosen"); }
}

// ---- the server ------------------------------------------------------------------------------

let socket = null;
let waiting = null;   // the tap sent and not yet answered

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${location.host}/feedback/ws`);
  socket.onopen = () => { terminal.connected = true; staff(null); send(); };
  socket.onmessage = (event) => answered(JSON.parse(event.data));
  socket.onclose = () => {
    socket = null;
    terminal.connected = false;
    waiting = null;  // unanswered: it is still first in `pending` and goes again
    if (terminal.pending.length) staff("offline");
    setTimeout(connect, RETRY_MS);
  };
}

function send() {
  if (!socket || socket.readyState !== WebSocket.OPEN || waiting || !terminal.pending.length) return;
  waiting = terminal.pending[0];
  socket.send(JSON.stringify(waiting));
}

function answered(answer) {
  if (!waiting || answer.re !== waiting.id) return;
  waiting = null;
  if (answer.type === "error" && answer.code === "rate_limited") {  // the server's pace: try again
    setTimeout(send, RETRY_MS);
    return;
  }
  terminal.pending.shift();
  if (answer.type === "thanked") terminal.thanked += 1;
  else { terminal.refused = answer; staff(answer.code === "not_allowed" ? "terminal_refused" : null, answer.message); }
  send();
}

function staff(key, detail) {
  const notice = document.getElementById("staff");
  notice.hidden = !key && !detail;
  notice.textContent = key ? config.staff[key] : (detail || "");
}

for (const face of document.querySelectorAll(".face")) face.addEventListener("click", () => tapped(face));
show(terminal.languages[0]);
setInterval(rotate, ROTATE_MS);
connect();
