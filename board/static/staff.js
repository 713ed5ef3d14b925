// The staff pages' words: every text comes from the staff catalogue (config/strings/staff/),
// in the signed-in person's language (German unless their `lang` is English), fetched from
// /staff/words.json. An element names its text by key: data-t="board.alerts" (its text),
// data-t-label (its aria-label), data-t-placeholder; numbers and times follow the language
// (Intl: 24 h, decimal comma in German).
"use strict";

const staff = {lang: "de", words: {}};

// a sentence with a number is two keys where the catalogue has them: `<key>_one` where the
// language says that number in the singular (CLDR's plural rules: "1 Eintrag", "2 Einträge"),
// as config/strings.py `counted` picks them for the server's words
const COUNTED = ["count", "items", "tries"];

function t(key, fields = {}) {
  const number = COUNTED.map((name) => fields[name]).find(Number.isInteger);
  if (number !== undefined && staff.words[`${key}_one`] !== undefined &&
      new Intl.PluralRules(staff.lang).select(number) === "one") key = `${key}_one`;
  const text = staff.words[key];
  if (text === undefined) { console.error(`no staff word ${key}`); return key; }
  return text.replace(/\{(\w+)\}/g, (_, name) => String(fields[name] ?? ""));
}

function applyWords(root = document) {
  root.querySelectorAll("[data-t]").forEach((el) => { el.textContent = t(el.dataset.t); });
  root.querySelectorAll("[data-t-label]").forEach((el) => { el.setAttribute("aria-label", t(el.dataset.tLabel)); });
  root.querySelectorAll("[data-t-placeholder]").forEach((el) => { el.placeholder = t(el.dataset.tPlaceholder); });
  const title = document.querySelector("title[data-title]");
  if (title) document.title = t(title.dataset.title);
}

// the time of day `seconds` in the office's time zone, 24 h
function staffClock(seconds, timeZone) {
  return new Date(seconds * 1000).toLocaleTimeString(staff.lang,
    {hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone});
}

function staffNumber(value) {
  return new Intl.NumberFormat(staff.lang).format(value);
}

function staffMinutes(seconds) {
  const m = Math.max(0, Math.floor(seconds / 60));
  if (m < 60) return t("board.minutes", {minutes: m});
  // "1 h", not "1 h 0 min" (a review's board)
  return m % 60 ? t("board.hours", {hours: Math.floor(m / 60), minutes: m % 60}) : t("board.hours_even", {hours: m / 60});
}

async function loadWords(query = "") {
  const answer = await (await fetch(`/staff/words.json${query}`)).json();
  staff.lang = answer.lang;
  staff.words = answer.words;
  document.documentElement.lang = answer.lang;
  applyWords();
  return answer;
}

// a date of the office's calendar ("2026-12-24") as the language writes it
function staffDate(day) {
  const [y, m, d] = day.split("-").map(Number);
  return new Intl.DateTimeFormat(staff.lang, {day: "numeric", month: "numeric", year: "numeric", timeZone: "UTC"})
    .format(new Date(Date.UTC(y, m - 1, d)));
}
