// Announcements from the office's supervisors (the floor board): a band of its own at the top
// of the display (body.announcing, display.css) with the text rotating through its languages,
// spoken once when it first appears, in the same queue as the calls. Kept apart from display.js on purpose: it asks
// /display/announcements.json every few seconds; it tells the page only that its bands changed
// (the event "willkommen:layout") so the page fits its text again.
"use strict";

(() => {
  const POLL_MS = 3000, ROTATE_MS = 6000;
  const banner = document.getElementById("announcement");
  const spoken = new Set();
  let shown = [], turn = 0, fitted = "";  // fitted: the texts the band's size was chosen for
  // rotate: the next language now (the tests turn it without waiting ROTATE_MS)
  window.willkommenAnnouncements = {spoken, get shown() { return shown; }, rotate: () => show()};

  // text at 4 % of the height, stepped down to fit the band (3 %, the page's floor, at 0.75);
  // below that only as the last resort for a text too long for three lines
  const FIT_STEP = 0.05, FIT_FLOOR = 0.5;

  function texts() {
    return shown.flatMap((a) => Object.entries(a.texts));
  }

  function put([lang, text]) {
    banner.lang = lang;
    // the direction from the text's first letter: right to left for every Arabic-script language (prs, ps, ckb ...)
    const first = (text.match(/\p{L}/u) || [""])[0];
    banner.dir = /[\p{Script=Arabic}\p{Script=Hebrew}\p{Script=Syriac}\p{Script=Thaana}]/u.test(first) ? "rtl" : "ltr";
    banner.textContent = text;
  }

  function overflows() {
    return banner.scrollHeight > banner.clientHeight + 1 || banner.scrollWidth > banner.clientWidth + 1;
  }

  // One size for the whole turn: the largest at which every language's text fits the band, so
  // neither the band nor its letters change as the languages turn.
  function fit() {
    const all = texts();
    if (banner.hidden || !all.length) return;
    let scale = 1;
    banner.style.setProperty("--fit", "1");
    for (const text of all) {
      put(text);
      while (scale > FIT_FLOOR + 1e-9 && overflows()) {
        scale -= FIT_STEP;
        banner.style.setProperty("--fit", scale.toFixed(2));
      }
    }
    put(all[turn % all.length]);
  }

  function show(advance = true) {
    const all = texts();
    const was = banner.hidden;
    banner.hidden = all.length === 0;
    document.body.classList.toggle("announcing", !banner.hidden);
    if (was !== banner.hidden) document.dispatchEvent(new Event("willkommen:layout"));
    if (!all.length) return;
    if (advance) turn += 1;  // the next language every ROTATE_MS; a poll only refreshes
    if (was !== banner.hidden || JSON.stringify(all) !== fitted) {
      fitted = JSON.stringify(all);
      fit();
    }
    put(all[turn % all.length]);
  }

  // Its languages one after the other, in the page's one queue of sounds (display.js
  // `enqueue`): a call that comes meanwhile waits for the announcement to end, and the other way round.
  function speak(announcement) {
    spoken.add(announcement.id);
    const page = window.willkommen;
    page.enqueue(async () => {
      for (const [lang, text] of Object.entries(announcement.texts)) {
        if ((announcement.silent || []).includes(lang)) continue; // no voice for it: shown, not spoken
        const url = announcement.audio && announcement.audio[lang];
        page.heard.push({ announcement: announcement.id, lang, url: url || null });
        await (url ? page.play(url) : page.speak(lang, text));
      }
    });
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

  addEventListener("resize", fit);
  // a script's web font (fonts.css, unicode-range) loads when its first letter shows: fit again
  if (document.fonts) document.fonts.addEventListener("loadingdone", fit);
  poll();
  setInterval(poll, POLL_MS);
  setInterval(show, ROTATE_MS);
})();
