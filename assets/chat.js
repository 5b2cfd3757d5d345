// The visitor's chat page: start a chat, send messages, and long-poll for replies.
// Text is only ever put on the page with textContent, never as HTML.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  let token = sessionStorage.getItem("labdeck-chat-token");
  let after = null;
  let closed = false;
  let lastReply = "";
  const seen = new Set();

  function showError(text) { $("error").textContent = text || ""; }

  async function call(method, path, body) {
    const headers = { "Content-Type": "application/json" };
    if (token) headers["Authorization"] = "Bearer " + token;
    const res = await fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined });
    let data = {};
    try { data = await res.json(); } catch (_) { /* an empty or non-JSON answer */ }
    if (!res.ok) {
      const wait = res.headers.get("Retry-After");
      const err = new Error((data && data.error) || ("HTTP " + res.status));
      err.status = res.status;
      err.retryAfter = wait ? Number(wait) : 0;
      throw err;
    }
    return data;
  }

  function render(state) {
    const who = state.rep ? " with " + state.rep : "";
    const label = { waiting: "Waiting for a support rep…", active: "Chatting" + who, closed: "Chat closed" }[state.status];
    $("state").textContent = (label || state.status) + " · reference " + state.reference;
    add(state.messages || [], true);
    // The tab title shows the state and the latest reply, for a visitor in another tab.
    document.title = (label || state.status) + (lastReply ? " — " + lastReply.slice(0, 80) : "");
    if (state.status === "closed") {
      closed = true;
      $("send").hidden = true;
    }
  }

  function add(messages, fromPoll) {
    for (const m of messages) {
      // Only the poll moves the cursor: a reply stored meanwhile is never skipped.
      if (fromPoll) after = m.id;
      if (seen.has(m.id)) continue;
      seen.add(m.id);
      const li = document.createElement("li");
      li.className = m.from;
      li.dataset.from = m.from;
      if (m.from === "rep") lastReply = m.text;
      li.textContent = (m.from === "rep" ? (m.name || "Support") + ": " : m.from === "visitor" ? "You: " : "") + m.text;
      $("log").appendChild(li);
    }
    $("log").scrollTop = $("log").scrollHeight;
  }

  async function pollLoop() {
    while (token && !closed) {
      try {
        const q = "?wait=20" + (after ? "&after=" + encodeURIComponent(after) : "");
        render(await call("GET", "/api/chat/messages" + q));
        showError("");
      } catch (e) {
        if (e.status === 401) { sessionStorage.removeItem("labdeck-chat-token"); token = null; location.reload(); return; }
        showError(e.message);
        await new Promise((r) => setTimeout(r, Math.max(1, e.retryAfter || 2) * 1000));
      }
    }
  }

  function openChat() {
    $("start").hidden = true;
    $("chat").hidden = false;
    pollLoop();
  }

  $("start").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = new FormData(ev.target);
    try {
      const data = await call("POST", "/api/chat", {
        name: f.get("name"), email: f.get("email"), phone: f.get("phone"),
        subject: f.get("subject"), message: f.get("message"),
      });
      token = data.token;
      sessionStorage.setItem("labdeck-chat-token", token);
      showError("");
      openChat();
    } catch (e) { showError(e.message); }
  });

  const box = $("send").elements.text;
  box.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); $("send").requestSubmit(); }
  });
  $("send").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const text = box.value;
    if (!text.trim()) return;
    try {
      const m = await call("POST", "/api/chat/messages", { text });
      box.value = "";
      add([m], false);
      showError("");
    } catch (e) { showError(e.message); }
  });

  // A link may prefill the form (?name=…&subject=…) and start the chat at once (&start=1).
  const params = new URLSearchParams(location.search);
  for (const k of ["name", "email", "phone", "subject", "message"]) {
    const v = params.get(k);
    if (v) $("start").elements[k].value = v;
  }
  if (token) openChat();
  else if (params.get("start") === "1" && params.get("name")) $("start").requestSubmit();
})();
