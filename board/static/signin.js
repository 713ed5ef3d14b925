// Sign-in: the name and password go over this server's websocket (its HTTP side takes no
// request bodies); a right password returns a one-time code that /signin/done trades for the
// HttpOnly session cookie.
"use strict";

const form = document.getElementById("signin");
const problem = document.getElementById("problem");

function signIn(name, password) {
  return new Promise((resolve, reject) => {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/signin/ws`);
    ws.onopen = () => ws.send(JSON.stringify({type: "sign_in", id: 1, name, password}));
    ws.onmessage = (event) => { ws.close(); resolve(JSON.parse(event.data)); };
    ws.onerror = () => reject(new Error("The server cannot be reached."));
  });
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  problem.textContent = "";
  const name = form.name.value.trim(), password = form.password.value;
  if (!name || !password) {
    problem.textContent = "Enter your name and password.";
    return;
  }
  form.querySelector("button").disabled = true;
  try {
    const answer = await signIn(name, password);
    if (answer.type === "signed_in") {
      location.assign(`/signin/done?code=${encodeURIComponent(answer.code)}`);
      return;
    }
    problem.textContent = answer.code === "rate_limited"
      ? `Too many wrong passwords. ${answer.message.replace(/^.*: /, "")}.`.replace("try", "Try")
      : "Wrong name or password.";
    form.password.value = "";
  } catch (error) {
    problem.textContent = error.message;
  }
  form.querySelector("button").disabled = false;
});
