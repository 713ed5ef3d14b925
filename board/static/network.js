// The floor board's panel of the network's shared knowledge (server/manager/adopting.py), for a
// supervisor when the site file has [network]: what other offices published, what differs from
// this office's texts, and "Übernehmen" per group (a language file, a service, a document, a
// partner template). Everything another office wrote is put in as text nodes, never as markup:
// an office could publish a script. Loaded after board.js, whose `state`, `$` and `t` it uses.
"use strict";

const knowledge = {asked: false, pending: null, publishing: null, undoing: null, undoAsked: false, adopting: new Map()};

// an element with attributes (undefined or "" left out) and children; a string child is a text node
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== "") node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

function renderKnowledge(floor) {
  const shown = Boolean(floor.network && state.me && state.me.role === "supervisor");
  $("knowledge").hidden = !shown;
  if (shown && !knowledge.asked) askNetwork();
}

function askNetwork() {
  knowledge.asked = true;
  knowledge.pending = state.nextId++;
  $("knowledge-answer").textContent = t("knowledge.asking");
  $("knowledge-ask").disabled = true;
  state.ws.send(JSON.stringify({type: "network_knowledge", id: knowledge.pending}));
}

// true when the message answered this panel (board.js then leaves it alone); a `reply` says the
// server is asking the network, and the answer follows with the same `re`
function knowledgeReceive(message) {
  if (message.re === undefined || message.re === null) return false;
  const ours = message.re === knowledge.pending || message.re === knowledge.publishing ||
    message.re === knowledge.undoing || knowledge.adopting.has(message.re);
  if (ours && message.type === "reply") return true;
  if (message.re === knowledge.pending) {
    knowledge.pending = null;
    $("knowledge-ask").disabled = false;
    $("knowledge-answer").textContent = message.type === "network" ? "" : (message.text || message.message);
    if (message.type === "network") showOffices(message.offices);
    return true;
  }
  if (message.re === knowledge.publishing) {
    knowledge.publishing = null;
    $("knowledge-publish").disabled = false;
    $("knowledge-published").textContent = message.type === "published"
      ? t("knowledge.published", {texts: message.texts, office: message.office})
      : (message.text || message.message);
    return true;
  }
  if (message.re === knowledge.undoing) {
    knowledge.undoing = null;
    $("knowledge-undo").disabled = false;
    $("knowledge-undone").textContent = message.type === "undone"
      ? t("knowledge.undone", {names: message.names.join(", "), folder: message.folder})
      : (message.text || message.message);
    if (message.type === "undone" && knowledge.pending === null) askNetwork();  // what differs again
    return true;
  }
  const adopting = knowledge.adopting.get(message.re);
  if (!adopting) return false;
  knowledge.adopting.delete(message.re);
  // a language file is in force at once (server/network/in_force.py); the rest is files to review
  if (message.type !== "adopted") {
    adopting.button.disabled = false;
    adopting.said.textContent = message.text || message.message;
    return true;
  }
  const inForce = (message.in_force || []).length > 0;
  const fields = {items: message.items, office: adopting.office, folder: message.folder,
                  files: message.files.filter((f) => !f.startsWith("before/")).join(", "), what: adopting.title};
  adopting.said.textContent = t(inForce ? "knowledge.in_force" : "knowledge.adopted", fields);
  markAdopted(adopting, inForce);
  return true;
}

// the group as it is now, without asking the network again (its answer line stays): the button
// says what was done and is off; texts in force are this office's now, so "Bei Ihnen" shows them
function markAdopted(adopting, inForce) {
  const {button, group, office, title, block} = adopting;
  button.textContent = t(inForce ? "knowledge.done" : "knowledge.filed");
  button.setAttribute("aria-label", t(inForce ? "knowledge.done_label" : "knowledge.filed_label", {what: title, office}));
  button.disabled = true;
  block.dataset.adopted = inForce ? "in_force" : "filed";
  if (!inForce) return;
  block.querySelector("summary").replaceChildren(el("strong", {}, title), " – ", t("knowledge.done"));
  for (const item of group.items.filter((item) => item.kind !== "only_mine")) {
    const row = [...block.querySelectorAll("tr[data-key]")].find((tr) => tr.dataset.key === item.key);
    if (!row) continue;
    const plain = item.theirs.map(([text]) => [text, false]);
    row.cells[1].replaceWith(cell(plain, item.lang));
    row.cells[2].replaceWith(cell(plain, item.lang));
    row.dataset.kind = "same";
  }
}

function showOffices(offices) {
  const root = $("knowledge-offices");
  root.replaceChildren();
  const bringing = offices.filter((office) => office.groups.length);
  if (!bringing.length) { root.append(el("p", {}, t("knowledge.nobody"))); return; }
  for (const office of bringing) {
    root.append(el("h3", {"data-office": office.office},
      t("knowledge.office", {name: office.name, office: office.office, published: office.published})));
    for (const group of office.groups) root.append(groupBlock(office, group));
  }
}

function groupBlock(office, group) {
  const count = (kind) => group.items.filter((item) => item.kind === kind).length;
  const title = t(`knowledge.${group.kind}`, {name: group.name});
  const details = el("details", {},
    el("summary", {}, el("strong", {}, title), " – ",
       t("knowledge.counts", {differs: count("differs"), only_theirs: count("only_theirs"), only_mine: count("only_mine")})),
    diffTable(office, group));
  const button = el("button", {type: "button", class: "adopt",
                               "aria-label": t("knowledge.adopt_label", {what: title, office: office.name})},
                    t("knowledge.adopt"));
  const said = el("p", {role: "status", class: "adopt-answer"});
  const block = el("div", {class: "knowledge-group", "data-office": office.office, "data-what": group.what},
                   details, button, said);
  button.addEventListener("click", () => adopt(office, group, button, said, title, block));
  return block;
}

function diffTable(office, group) {
  const head = el("tr", {}, el("th", {scope: "col"}, t("knowledge.item")), el("th", {scope: "col"}, t("knowledge.yours")),
                  el("th", {scope: "col"}, t("knowledge.theirs", {office: office.name})));
  const rows = group.items.map((item) => el("tr", {"data-key": item.key, "data-kind": item.kind},
    el("th", {scope: "row"}, el("code", {}, item.key)), cell(item.mine, item.lang), cell(item.theirs, item.lang)));
  return el("table", {class: "knowledge-diff"}, el("thead", {}, head), el("tbody", {}, ...rows));
}

// a text as runs of words; the runs that differ from the other office's text are marked
function cell(runs, lang) {
  const td = el("td", {lang, dir: "auto"});
  if (!runs.length) td.append(el("span", {class: "missing", lang: staff.lang}, t("knowledge.missing")));
  for (const [text, changed] of runs) {
    td.append(changed ? el("mark", {title: t("knowledge.changed")}, text) : text);
  }
  return td;
}

function adopt(office, group, button, said, title, block) {
  const id = state.nextId++;
  knowledge.adopting.set(id, {button, said, office: office.name, title, group, block});
  button.disabled = true;
  said.textContent = t("knowledge.adopting");
  state.ws.send(JSON.stringify({type: "adopt", id, office: office.office, what: [group.what]}));
}

// this office's texts to the network, as `willkommen-server network publish` sends them
function publishTexts() {
  knowledge.publishing = state.nextId++;
  $("knowledge-published").textContent = t("knowledge.publishing");
  $("knowledge-publish").disabled = true;
  state.ws.send(JSON.stringify({type: "publish", id: knowledge.publishing}));
}

$("knowledge-ask").addEventListener("click", askNetwork);
// the newest adoption of a language file taken back, as `willkommen-server network undo` does
// (asked first, as the counter asks before what cannot be undone: one click took it back at once)
function undoAdoption() {
  if (!knowledge.undoAsked) { askUndo(true); return; }
  askUndo(false);
  knowledge.undoing = state.nextId++;
  $("knowledge-undone").textContent = t("knowledge.undoing");
  $("knowledge-undo").disabled = true;
  state.ws.send(JSON.stringify({type: "undo_adoption", id: knowledge.undoing}));
}

$("knowledge-publish").addEventListener("click", publishTexts);
function askUndo(asking) {
  knowledge.undoAsked = asking;
  $("knowledge-undo").textContent = t(asking ? "knowledge.undo_yes" : "knowledge.undo");
  $("knowledge-undo-cancel").hidden = !asking;
  $("knowledge-undone").textContent = asking ? t("knowledge.undo_ask") : "";
  if (!asking) $("knowledge-undo").focus();
}

$("knowledge-undo").addEventListener("click", undoAdoption);
$("knowledge-undo-cancel").addEventListener("click", () => askUndo(false));
