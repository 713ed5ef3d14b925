// Sign-in: the name and password go over this server's websocket (its HTTP side takes no
// request bodies); a right password returns a one-time code that /signin/done trades for the
// HttpOnly session cookie. The page speaks German, or English with ?lang=en (a link on it);
// after the sign-in every page speaks the person's own `lang`.
"use strict";

const form = document.getElementById("signin");
const problem = document.getElementById("problem");
const query = new URLSearchParams(location.search);

function signIn(name, password) {
  return new Promise((resolve, reject) => {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/signin/ws`);
    ws.onopen = () => ws.send(JSON.stringify({type: "sign_in", id: 1, name, password}));
    ws.onmessage = (event) => { ws.close(); resolve(JSON.parse(event.data)); };
    ws.onerror = () => reject(new Error(t("signin.unreachable")));
  });
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  problem.textContent = "";
  const name = form.name.value.trim(), password = form.password.value;
  if (!name || !password) {
    problem.textContent = t("signin.missing");
    return;
  }
  form.querySelector("button").disabled = true;
  try {
    const answer = await signIn(name, password);
    if (answer.type === "signed_in") {
      // back to the page asked for: the counter (and its counter), or a statistics page (the
      // server takes only its own paths there)
      const to = query.get("to") === "counter"
        ? `&to=counter${query.get("counter") ? `&counter=${encodeURIComponent(query.get("counter"))}` : ""}`
        : query.get("to") ? `&to=${encodeURIComponent(query.get("to"))}` : "";
      location.assign(`/signin/done?code=${encodeURIComponent(answer.code)}${to}`);
      return;
    }
    const seconds = (answer.message.match(/(\d+) s/) || [])[1];
    problem.textContent = answer.code === "rate_limited" ? t("signin.throttled", {seconds}) : t("signin.wrong");
    form.password.value = "";
  } catch (error) {
    problem.textContent = error.message;
  }
  form.querySelector("button").disabled = false;
});

loadWords(query.get("lang") ? `?lang=${encodeURIComponent(query.get("lang"))}` : "").then(() => {
  const other = new URLSearchParams(query);
  other.set("lang", t("page.other_language_tag"));
  document.getElementById("other-language").href = `?${other}`;
  document.getElementById("other-language").lang = t("page.other_language_tag");
});
