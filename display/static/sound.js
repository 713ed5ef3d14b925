// The waiting room's sound, beside display.js (loaded before it; its functions run when
// display.js calls them and use its `state` and `word`): the gong made with Web Audio, the
// server's recordings or the browser's speech, the notice for staff when the TV's browser
// blocks sound, and the one queue everything the room hears waits in, calls and the
// supervisors' announcements (announce.js) alike.
"use strict";

let audio = null;

function audioContext() {
  try {
    audio = audio || new AudioContext();
  } catch (error) { /* no audio device: the screen still shows the call */ }
  return audio;
}

// Browsers start sound only after a click unless the TV's browser allows it (README:
// --autoplay-policy=no-user-gesture-required). When it is blocked, staff see a small notice
// in German; one click on the page unlocks sound for the rest of the day.
function checkSound() {
  const context = audioContext();
  if (context && context.state === "suspended") context.resume().catch(() => {});
  setTimeout(() => soundBlocked(Boolean(context && context.state === "suspended")), 300);
}

function soundBlocked(blocked) {
  state.soundBlocked = blocked;
  const notice = document.getElementById("sound");
  notice.textContent = word("de", "display.sound_blocked");
  notice.hidden = !blocked;
  fitAll();
}

function unlockSound() {
  const context = audioContext();
  const resumed = context ? context.resume() : Promise.resolve();
  resumed.then(() => soundBlocked(false), () => {});
}

function gong() {
  const context = audioContext();
  if (!context) return wait(1900);
  if (context.state === "suspended") soundBlocked(true);
  const start = context.currentTime + 0.05;
  [[659.25, 0], [523.25, 0.45]].forEach(([frequency, offset]) => {
    const tone = context.createOscillator();
    const volume = context.createGain();
    tone.type = "sine";
    tone.frequency.value = frequency;
    volume.gain.setValueAtTime(0.0001, start + offset);
    volume.gain.exponentialRampToValueAtTime(0.6, start + offset + 0.02);
    volume.gain.exponentialRampToValueAtTime(0.0001, start + offset + 1.4);
    tone.connect(volume).connect(context.destination);
    tone.start(start + offset);
    tone.stop(start + offset + 1.5);
  });
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
    sound.play().catch((error) => {
      if (error && error.name === "NotAllowedError") soundBlocked(true);
      resolve();
    });
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

// One queue for everything the waiting room hears, calls and the supervisors' announcements
// (announce.js) alike: each waits for the one before it to end, so two voices never speak at once.
function enqueue(task) {
  state.announcements = state.announcements.then(task).catch(() => {});
  return state.announcements;
}

function announce(message) {
  state.queued.push({ number: message.ticket.number, recall: message.recall });
  enqueue(async () => {
    await gong();
    for (const [lang, text] of Object.entries(message.texts)) {
      if ((message.silent || []).includes(lang)) continue; // no voice for it: shown, not spoken
      const url = message.audio && message.audio[lang];
      state.heard.push({ number: message.ticket.number, lang, url: url || null, recall: message.recall });
      await (url ? play(url) : speak(lang, text));
    }
  });
}

