// "How was your visit?" on the phone page (/t/<token>), once the visit is done: a face, any
// of a few reasons, Send. The answer goes over the feedback websocket (server/visitors/feedback.py:
// websockets' HTTP side takes no POST bodies); the ticket's token entitles it, once.
// The section is in the page from the start and shows when the visit is done
// (feedback-phone.css), so a page left open since the waiting room asks without a reload.
"use strict";

(() => {
  const section = document.getElementById("feedback");
  if (!section) return;
  const form = document.getElementById("feedback-form");
  const send = document.getElementById("feedback-send");
  const failed = document.getElementById("feedback-failed");
  const feedback = { sent: 0, answer: null };  // for tests and the curious
  window.ticketFeedback = feedback;

  form.addEventListener("change", () => { send.disabled = !form.querySelector("input[name=score]:checked"); });

  function thanked() {
    section.dataset.feedback = "given";
    document.getElementById("feedback-thanks").textContent = section.dataset.thanks;  // a live region: said once
  }

  function ask(frame) {
    return new Promise((resolve, reject) => {
      const scheme = location.protocol === "https:" ? "wss" : "ws";
      const socket = new WebSocket(`${scheme}://${location.host}/feedback/ws`);
      socket.onopen = () => socket.send(JSON.stringify(frame));
      socket.onmessage = (event) => { resolve(JSON.parse(event.data)); socket.close(); };
      socket.onerror = () => reject(new Error("no connection"));
      socket.onclose = () => reject(new Error("closed"));
    });
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const score = Number(form.querySelector("input[name=score]:checked")?.value);
    if (!score) return;
    const reasons = [...form.querySelectorAll("input[name=reason]:checked")].map((box) => box.value);
    send.disabled = true;
    failed.hidden = true;
    let answer;
    try {
      answer = await ask({ type: "rate", id: 1, ticket: document.body.dataset.token, score, reasons });
    } catch (error) {
      answer = null;
    }
    feedback.answer = answer;
    // answered before (another tab, a reload mid-send): the first answer stands, say thanks
    if (answer && (answer.type === "thanked" || answer.code === "already_answered")) {
      feedback.sent += 1;
      return thanked();
    }
    failed.hidden = false;
    send.disabled = false;
  });
})();
