// Referral cards on the visitor's phone page (/t/<token>): the outside partners the clerk
// referred the visitor to -- who, what for, address with a map link, hours, phone (a tel:
// link), website -- in the visitor's language. The server sends them with the status
// (server/wire/partners.py): first in the page (data-referrals), then with every refresh
// (the "ticketstatus" event of ticket.js). Each text carries its own lang and dir: a name the
// office has not translated is German and is marked so; addresses, numbers and addresses on
// the web are left to right inside a right-to-left page.
"use strict";

(function () {
  const section = document.getElementById("referrals");
  let shown = "";

  function element(tag, attributes, text) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes || {})) node.setAttribute(key, value);
    if (text) node.textContent = text;
    return node;
  }

  function translated(tag, part, extra) {  // {text, lang, dir} from the server
    return element(tag, { lang: part.lang, dir: part.dir, ...(extra || {}) }, part.text);
  }

  function link(href, text, latin) {  // latin: a number or a web address, German-written
    return element("a", latin ? { href, lang: "de", dir: "ltr" } : { href }, text);
  }

  function row(list, label, value) {
    list.append(element("dt", {}, label));
    const cell = value instanceof Node ? value : element("dd", {}, value);
    if (cell.tagName !== "DD") {
      const wrapper = element("dd");
      wrapper.append(cell);
      list.append(wrapper);
    } else list.append(cell);
  }

  function card(data, labels, index) {
    const article = element("article", { class: "card", "aria-labelledby": `card-${index}` });
    article.append(translated("h3", data.name, { id: `card-${index}` }));
    const list = element("dl");
    if (data.helps) row(list, labels.helps, translated("dd", data.helps));
    if (data.address) {
      const where = element("dd");
      where.append(element("span", { lang: "de", dir: "ltr", class: "address" }, data.address));
      if (data.map) where.append(element("br"), link(data.map, labels.map));
      row(list, labels.address, where);
    }
    if (data.hours) row(list, labels.hours, translated("dd", data.hours));
    if (data.phone) row(list, labels.phone, link(data.tel, data.phone, true));
    if (data.web) row(list, labels.web, link(data.web, new URL(data.web).hostname, true));
    article.append(list);
    return article;
  }

  function render(referrals) {
    const key = JSON.stringify(referrals || null);
    if (key === shown) return;  // the same cards every few seconds: leave the page as it is
    shown = key;
    section.replaceChildren();
    section.hidden = !referrals || !referrals.cards.length;
    if (section.hidden) return;
    section.setAttribute("aria-labelledby", "referrals-title");
    section.append(element("h2", { id: "referrals-title" }, referrals.labels.title));
    referrals.cards.forEach((data, index) => section.append(card(data, referrals.labels, index)));
  }

  render(JSON.parse(section.dataset.referrals || "null"));
  document.addEventListener("ticketstatus", (event) => render(event.detail.referrals));
  window.referralCards = { render };
})();
