// Announcements from the office's supervisors (the floor board): a banner over the display
// with the text rotating through its languages, spoken once when it first appears. Kept apart
// from display.js on purpose: it asks /display/announcements.json every few seconds and needs
// nothing else of the page.
"use strict";

(() => {
  const POLL_MS = 3000, ROTATE_MS = 6000;
  const banner = document.getElementById("announcement");
  const spoken = new Set();
  let shown = [], turn = 0;
  window.willkommenAnnouncements = {spoken, get shown() { return shown; }};

  function show(advance = true) {
    const texts = shown.flatMap((a) => Object.entries(a.texts));
    banner.hidden = texts.length === 0;
    if (!texts.length) return;
    if (advance) turn += 1;  // the next language every ROTATE_MS; a poll only refreshes
    const [lang, text] = texts[turn % texts.length];
    banner.lang = lang;
    // the direction from the text's first letter: right to left for every Arabic-script language (prs, ps, ckb ...)
    const first = (text.match(/\p{L}/u) || [""])[0];
    banner.dir = /[\p{Script=Arabic}\p{Script=Hebrew}\p{Script=Syriac}\p{Script=Thaana}]/u.test(first) ? "rtl" : "ltr";
    banner.textContent = text;
  }

  function speak(announcement) {
    spoken.add(announcement.id);
    for (const [lang, text] of Object.entries(announcement.texts)) {
      if ((announcement.silent || []).includes(lang)) continue; // no voice for it: shown, not spoken
      const url = announcement.audio && announcement.audio[lang];
      if (url) {
        new Audio(url).play().catch(() => {});
      } else if (window.speechSynthesis) {
        const utterance = new SpeechSynthesisUtterance(text);
        utterance.lang = lang;
        speechSynthesis.speak(utterance);
      }
    }
  }

  async function poll() {
    try {
      shown = await (await fetch("/display/announcements.json", {cache: "no-store"})).json();
      shown.filter((a) => !spoken.has(a.id)).forEach(speak);
      show(false);
    } catch (error) {
      // the page's own banner says when the server is gone; try again at the next poll
    }
  }

  poll();
  setInterval(poll, POLL_MS);
  setInterval(show, ROTATE_MS);
})();
