// The visitor's registration for the day's places by lot (/register) and its outcome
// (/register/<entry>): server/visitors/register.py serves both. Frames go over the registration
// socket (/register/ws, server/wire/access.py): websockets' HTTP side takes no POST bodies, and
// a GET that registers would be followed by any prefetcher. Every text from outside -- the
// catalogue, the server's answers -- is set as text, never as HTML.
"use strict";

(() => {
  const body = document.body;
  const config = JSON.parse(document.getElementById("words").textContent);
  const words = config.words;
  const STORE = "willkommen.register";   // the last entry registered on this phone
  const ASK_MS = 30000;                  // the outcome is asked again this often
  const page = { answers: [], view: null, asked: 0 };  // for tests and the curious
  window.registerPage = page;

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, (whole, key) => (key in values ? String(values[key]) : whole));
  }

  function ask(frame) {
    return new Promise((resolve, reject) => {
      const scheme = location.protocol === "https:" ? "wss" : "ws";
      const socket = new WebSocket(`${scheme}://${location.host}/register/ws`);
      const timer = setTimeout(() => { socket.close(); reject(new Error("no answer")); }, 15000);
      socket.onopen = () => socket.send(JSON.stringify(frame));
      socket.onmessage = (event) => {
        clearTimeout(timer);
        const answer = JSON.parse(event.data);
        page.answers.push(answer);
        resolve(answer);
        socket.close();
      };
      socket.onerror = () => { clearTimeout(timer); reject(new Error("no connection")); };
      socket.onclose = () => { clearTimeout(timer); reject(new Error("closed")); };
    });
  }

  // ---- times: the server sends seconds since 1970; the office's time zone, the visitor's words

  // a language the browser has no dates for (Tigrinya in Chromium) gets figures only, never
  // another language's weekday; Dari is CLDR's Persian of Afghanistan
  const LOCALES = { prs: "fa-AF" };
  const NUMERIC = { day: "numeric", month: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" };

  function format(seconds, options) {
    if (typeof seconds !== "number") return "";
    const lang = LOCALES[document.documentElement.lang] || document.documentElement.lang;
    const known = Intl.DateTimeFormat.supportedLocalesOf([lang]).length > 0;
    const shown = known ? options : (options.weekday ? NUMERIC : { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    return new Intl.DateTimeFormat(known ? lang : "en-GB", { timeZone: config.timezone, ...shown })
      .format(new Date(seconds * 1000));
  }
  const HOUR = { hour: "numeric", minute: "2-digit" };
  const DAY_HOUR = { weekday: "long", day: "numeric", month: "long", ...HOUR };
  const isolate = (text) => `\u2066${text}\u2069`;  // a time keeps its order inside Arabic text

  // ---- the form --------------------------------------------------------------------------

  const form = document.getElementById("register-form");

  function fieldError(id, text) {
    const element = document.getElementById(`${id}-error`);
    element.textContent = text || "";
    element.hidden = !text;
    const control = id === "services" ? null : document.getElementById(id === "birth" ? "birth-day" : id);
    if (control) control.setAttribute("aria-invalid", text ? "true" : "false");
    return !text;
  }

  // Arabic-Indic and Persian digits, as an Arabic or Persian phone keyboard types them, read
  // as the digits they are (the server and the SMS gateway take 0-9)
  const latinDigits = (text) => text.replace(/[\u0660-\u0669\u06F0-\u06F9]/g, (c) => String(c.charCodeAt(0) & 0xF));

  function birthDate() {
    const [day, month, year] = ["birth-day", "birth-month", "birth-year"]
      .map((id) => latinDigits(document.getElementById(id).value.trim()));
    if (!/^\d{1,2}$/.test(day) || !/^\d{1,2}$/.test(month) || !/^\d{4}$/.test(year)) return "";
    const iso = `${year}-${month.padStart(2, "0")}-${day.padStart(2, "0")}`;
    const date = new Date(`${iso}T00:00:00Z`);
    if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== iso) return "";
    if (date > new Date() || Number(year) < 1900) return "";
    return iso;
  }

  // as the server reads a contact (server/core/lottery.py `channel`): a number or an address
  function contactOk(text) {
    if (!text) return true;
    if (text.includes("@")) {
      const at = text.lastIndexOf("@");
      return at > 0 && text.slice(at + 1).includes(".") && !text.includes(" ");
    }
    const digits = (text.match(/[0-9]/g) || []).length;
    return /^[0-9+ ()\/-]+$/.test(text) && digits >= 6 && digits <= 15;
  }

  function checked() {
    const service = form.querySelector("input[name=service]:checked");
    const name = document.getElementById("name").value.trim();
    const birth = birthDate();
    const urgent = document.getElementById("urgent").value;
    const contact = latinDigits(document.getElementById("contact").value.trim());
    const ok = [
      fieldError("services", service ? "" : words["error.no_service"]),
      // as the server reads a name (server/wire/access.py `latin_letters`): Latin letters only
      fieldError("name", !name ? words["error.no_name"] : /(?![\p{Script=Latin}\p{Lm}])\p{L}/u.test(name.normalize("NFKC"))
        ? words["error.bad_name"] : ""),
      fieldError("birth", birth ? "" : words["error.bad_birth_date"]),
      fieldError("contact", contactOk(contact) ? "" : words["error.bad_contact"]),
      fieldError("urgent", !urgent || /^\d{4}-\d{2}-\d{2}$/.test(urgent) ? "" : words["error.bad_urgent"]),
    ];
    if (ok.includes(false)) return null;
    return { type: "register", id: 1, service: service.value, lang: document.documentElement.lang, name,
             birth_date: birth, contact, urgent_until: urgent };
  }

  function said(code) {
    const text = words[`error.${code}`] || words["error.other"];
    const error = document.getElementById("error");
    error.textContent = fill(text, config.times);
    error.hidden = false;
    const field = { bad_name: "name", already_registered: "name", bad_birth_date: "birth",
                    unknown_service: "services" }[code];
    if (field) fieldError(field, fill(text, config.times));
  }

  async function register(event) {
    event.preventDefault();
    document.getElementById("error").hidden = true;
    const frame = checked();
    if (!frame) {
      const first = form.querySelector("[aria-invalid=true], .field-error:not([hidden])");
      const target = first && first.matches("input") ? first : document.querySelector(".field-error:not([hidden])")
        ?.closest("fieldset")?.querySelector("input");
      if (target) target.focus();
      return;
    }
    const send = document.getElementById("send");
    send.disabled = true;
    send.textContent = words.sending;
    let answer = null;
    try {
      answer = await ask(frame);
    } catch (error) {
      answer = null;
    }
    send.disabled = false;
    send.textContent = words.send;
    if (answer && answer.type === "registered") return registered(answer);
    said(answer ? answer.code : "offline");
    document.getElementById("error").focus();
  }

  function registered(answer) {
    const lang = document.documentElement.lang;
    try {
      localStorage.setItem(STORE, JSON.stringify({ entry: answer.entry, lang, day: answer.day, at: Date.now() }));
    } catch (error) { /* private mode: the address itself is the way back */ }
    location.assign(`/register/${encodeURIComponent(answer.entry)}?lang=${encodeURIComponent(lang)}`);
  }

  function mine() {
    let saved = null;
    try { saved = JSON.parse(localStorage.getItem(STORE) || "null"); } catch (error) { saved = null; }
    if (!saved || !saved.entry || Date.now() - saved.at > 3 * 86400000) return;
    const link = document.getElementById("mine-link");
    link.href = `/register/${encodeURIComponent(saved.entry)}?lang=${encodeURIComponent(document.documentElement.lang)}`;
    document.getElementById("mine").hidden = false;
  }

  // ---- the outcome ------------------------------------------------------------------------

  function show(view) {
    page.view = view;
    body.dataset.state = view.state;
    const window_ = { start: isolate(format(view.window_start, DAY_HOUR)), end: isolate(format(view.window_end, HOUR)) };
    const values = { draw_at: isolate(format(view.draw_at, DAY_HOUR)), weight: view.weight, ...window_ };
    const headline = words[view.state] || words.gone;
    document.getElementById("headline").textContent = fill(headline, values);
    const offer = view.may_be_offered ? ` ${words.not_drawn_offer}` : "";   // a no-show's place may still come
    document.getElementById("detail").textContent = fill(words[`${view.state}_detail`] || "", values) + offer;
    const place = view.code && (view.state === "won" || view.state === "offered");
    document.getElementById("place").hidden = !place;
    if (place) {
      document.getElementById("code").textContent = view.code;
      const qr = document.getElementById("qr");
      qr.alt = fill(words.qr, { code: view.code });
      qr.src = `/register/qr/${encodeURIComponent(view.code)}.svg`;
      qr.hidden = false;
      document.getElementById("window").textContent = fill(words.window, window_);
    }
  }

  function online(yes) {
    document.getElementById("offline").hidden = yes;
    body.dataset.connection = yes ? "online" : "offline";
  }

  async function outcome() {
    page.asked += 1;
    let answer;
    try {
      answer = await ask({ type: "outcome", id: page.asked, entry: body.dataset.entry });
    } catch (error) {
      return online(false);
    }
    online(true);
    if (answer.type === "outcome_view") return show(answer);
    if (answer.code === "unknown_entry") return show({ state: "gone" });
    return online(false);
  }

  function follow() {
    outcome();
    setInterval(() => {
      if (!["checked_in", "gone"].includes(body.dataset.state)) outcome();
    }, ASK_MS);
    document.addEventListener("visibilitychange", () => { if (!document.hidden) outcome(); });
  }

  page.refresh = outcome;
  if (body.dataset.view === "outcome") {
    follow();
  } else {
    form.addEventListener("submit", register);
    mine();
  }
})();
