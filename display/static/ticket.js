// The visitor's phone page (/t/<token>): asks the server every few seconds; when the visitor is
// called it turns green, shows the counter and its direction and -- after one tap on "notify
// me", which browsers require before a page may make a sound or vibrate -- rings and vibrates.
// When the server cannot be reached it says so and since when, instead of a stale place.
// While the phone is locked no page can ring: the page says so next to the button.
"use strict";

const POLL_MS = 4000;
const body = document.body;
const page = {
  lastHeard: new Date(),
  notify: false,
  rang: 0,          // how often the page rang for the visitor (tests, the curious)
  refresh,
};
window.ticketPage = page;
let wasTurn = body.classList.contains("turn");

function show(status) {
  body.dataset.state = status.state;
  for (const key of ["headline", "detail", "service"]) {
    const element = document.getElementById(key);
    if (key in status) element.textContent = status[key];
  }
  document.getElementById("arrow").textContent = status.direction || "";
  document.getElementById("counter").textContent = status.where || "";
  document.getElementById("where").hidden = !status.where;
  body.classList.toggle("turn", Boolean(status.turn));
  if (status.turn && !wasTurn) ring();
  wasTurn = Boolean(status.turn);
  document.dispatchEvent(new CustomEvent("ticketstatus", { detail: status }));  // referral.js, ...
}

function online(yes) {
  body.dataset.connection = yes ? "online" : "offline";
  const notice = document.getElementById("offline");
  notice.hidden = yes;
  if (!yes) {
    const time = page.lastHeard.toLocaleTimeString(document.documentElement.lang, { hour: "2-digit", minute: "2-digit" });
    notice.textContent = body.dataset.offline.replace("{time}", time);
  }
}

async function refresh() {
  let response;
  try {
    response = await fetch(`/t/${body.dataset.token}.json`, { cache: "no-store" });
  } catch (error) {
    return online(false);
  }
  if (response.status === 404) return location.reload();  // expired: the server's own page says so
  if (!response.ok) return online(false);
  page.lastHeard = new Date();
  online(true);
  show(await response.json());
}

// ---- notify me: one tap unlocks sound and vibration -----------------------------------------

let audio = null;

function beep(at, frequency, length) {
  const tone = audio.createOscillator();
  const volume = audio.createGain();
  tone.frequency.value = frequency;
  volume.gain.setValueAtTime(0.0001, at);
  volume.gain.exponentialRampToValueAtTime(0.5, at + 0.02);
  volume.gain.exponentialRampToValueAtTime(0.0001, at + length);
  tone.connect(volume).connect(audio.destination);
  tone.start(at);
  tone.stop(at + length + 0.05);
}

function ring() {
  if (navigator.vibrate) navigator.vibrate([400, 150, 400, 150, 400]);
  if (!page.notify || !audio) return;
  const start = audio.currentTime + 0.05;
  [0, 0.5, 1.0].forEach((offset) => beep(start + offset, 880, 0.35));
  page.rang += 1;
}

function enableNotify() {
  try {
    audio = audio || new AudioContext();
    audio.resume();
    beep(audio.currentTime + 0.02, 660, 0.15);  // a short tone: the visitor hears that it works
  } catch (error) { /* no sound here: vibration may still work */ }
  if (navigator.vibrate) navigator.vibrate(60);
  page.notify = true;
  const button = document.getElementById("notify");
  button.setAttribute("aria-pressed", "true");
  button.textContent = body.dataset.notifyOn;
}

document.getElementById("notify").addEventListener("click", enableNotify);
addEventListener("online", refresh);
document.addEventListener("visibilitychange", () => { if (!document.hidden) refresh(); });
setInterval(refresh, POLL_MS);
