// The demo page: a Telegram-like client over the test server. The server
// sends a persona's chats whole at every change (server-sent events); the
// page shows them as they are now (edits in place) and posts what the
// persona does.
"use strict";

const $ = (id) => document.getElementById(id);
const state = {
  people: [],
  person: localStorage.getItem("mcu-demo-person") || "resident",
  chatBy: JSON.parse(localStorage.getItem("mcu-demo-chats") || "{}"),
  data: null,       // {person, chats: [...]}
  replyTo: 0,       // a message the persona chose to reply to
  es: null,
  location: { latitude: 59.1178, longitude: 28.0881 },
  rendered: new Map(), // message id -> html, of the chat on screen
  renderedChat: null,
};

function esc(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

function toast(text, alert) {
  const t = $("toast");
  t.textContent = text;
  t.className = alert ? "alert" : "";
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, alert ? 6000 : 2500);
}
$("toast").addEventListener("click", () => { $("toast").hidden = true; });

async function post(path, fields, form) {
  const body = form || new URLSearchParams();
  body.set("person", state.person);
  for (const [k, v] of Object.entries(fields)) body.set(k, v);
  const resp = await fetch(path, { method: "POST", body, headers: { "X-MCU-Demo": "1" } });
  if (!resp.ok) {
    const text = await resp.text();
    toast(text.trim() || resp.statusText, true);
    throw new Error(text);
  }
  return resp.json();
}

function currentChat() {
  if (!state.data) return null;
  const id = state.chatBy[state.person];
  return state.data.chats.find((c) => String(c.id) === String(id)) || state.data.chats[0];
}

// --- people and chats ---------------------------------------------------

function renderPeople() {
  const nav = $("people");
  nav.innerHTML = "";
  for (const p of state.people) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "person" + (p.key === state.person ? " active" : "");
    b.dataset.key = p.key;
    b.title = p.name;
    b.textContent = p.label;
    b.onclick = () => choosePerson(p.key);
    nav.appendChild(b);
  }
}

function choosePerson(key) {
  if (key === state.person && state.es) return;
  state.person = key;
  localStorage.setItem("mcu-demo-person", key);
  state.data = null;
  state.replyTo = 0;
  renderPeople();
  connect();
}

function chooseChat(id) {
  state.chatBy[state.person] = id;
  localStorage.setItem("mcu-demo-chats", JSON.stringify(state.chatBy));
  state.replyTo = 0;
  render();
}

function renderChats() {
  const nav = $("chats");
  nav.innerHTML = "";
  const cur = currentChat();
  for (const c of state.data.chats) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "chat" + (cur && c.id === cur.id ? " active" : "");
    b.dataset.id = c.id;
    b.textContent = (c.private ? "💬 " : "👥 ") + c.title;
    b.onclick = () => chooseChat(c.id);
    nav.appendChild(b);
  }
}

// --- messages -------------------------------------------------------------

function time(unix) {
  const d = new Date(unix * 1000);
  const now = new Date();
  const hm = d.toLocaleTimeString("ru-RU", { hour: "2-digit", minute: "2-digit" });
  if (d.toDateString() === now.toDateString()) return hm;
  return d.toLocaleDateString("ru-RU", { day: "2-digit", month: "2-digit" }) + " " + hm;
}

function messageHTML(m, chat) {
  let h = "";
  if (!m.mine && !chat.private) h += `<div class="from">${esc(m.from)}</div>`;
  if (m.reply_to) h += `<div class="reply"><b>${esc(m.reply_to.from)}</b> ${esc(m.reply_to.text || "…")}</div>`;
  if (m.photo) h += `<img class="photo" alt="фото" src="/api/file/${encodeURIComponent(m.photo)}">`;
  if (m.location) {
    const { lat, lon } = m.location;
    h += `<a class="map" target="_blank" rel="noopener" href="https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=17/${lat}/${lon}">` +
      `<span class="pin">📍</span><span class="coords">${lat.toFixed(5)}, ${lon.toFixed(5)}</span></a>`;
  }
  if (m.document) h += `<div class="text">📄 <a href="/api/file/${encodeURIComponent(m.document.file_id)}" download="${esc(m.document.name)}">${esc(m.document.name)}</a></div>`;
  if (m.contact) h += `<div class="text">📱 ${esc(m.contact)}</div>`;
  if (m.sticker) h += `<div class="text" style="font-size:40px">${esc(m.sticker)}</div>`;
  if (m.voice) h += `<div class="text">🎤 ${m.voice} с</div>`;
  if (m.text) h += `<div class="text">${esc(m.text)}</div>`;
  h += `<div class="meta"><button type="button" class="reply-to-this" data-id="${m.id}" title="Ответить">↩ ответить</button>${m.edited ? "изменено " : ""}${time(m.date)}</div>`;
  if (m.buttons) {
    h += `<div class="inline-kb">`;
    for (const row of m.buttons) {
      h += `<div class="row">`;
      for (const b of row) {
        if (b.url) h += `<a href="${esc(b.url)}" target="_blank" rel="noopener">${esc(b.text)} ↗</a>`;
        else h += `<button type="button" class="inline" data-msg="${m.id}" data-press="${b.press ? 1 : 0}">${esc(b.text)}</button>`;
      }
      h += `</div>`;
    }
    h += `</div>`;
  }
  return h;
}

function renderMessages(chat) {
  const box = $("messages");
  let atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  if (state.renderedChat !== chat.id + "/" + state.person) {
    atBottom = true; // a chat opens at its newest message
    box.innerHTML = "";
    state.rendered = new Map();
    state.renderedChat = chat.id + "/" + state.person;
  }
  const seen = new Set();
  let prev = null;
  if (chat.messages.length === 0) {
    if (!box.querySelector(".system")) {
      box.innerHTML = `<div class="system">${chat.private ? "Здесь пока пусто. Нажмите «Запустить»." : "Здесь пока пусто."}</div>`;
    }
  } else {
    box.querySelectorAll(".system").forEach((e) => e.remove());
  }
  for (const m of chat.messages) {
    seen.add(m.id);
    const html = messageHTML(m, chat);
    let el = box.querySelector(`.msg[data-id="${m.id}"]`);
    if (!el) {
      el = document.createElement("div");
      el.dataset.id = m.id;
      if (prev) prev.after(el); else box.prepend(el);
    }
    if (state.rendered.get(m.id) !== html) {
      el.className = "msg " + (m.mine ? "out" : "in") + (m.edited ? " edited" : "");
      el.innerHTML = html;
      state.rendered.set(m.id, html);
    }
    prev = el;
  }
  box.querySelectorAll(".msg").forEach((el) => {
    if (!seen.has(Number(el.dataset.id))) { el.remove(); state.rendered.delete(Number(el.dataset.id)); }
  });
  if (atBottom || state.scrollNext) { state.stick = true; state.scrollNext = false; }
}

function renderKeyboard(chat) {
  const kb = $("keyboard");
  kb.innerHTML = "";
  for (const row of chat.keyboard || []) {
    const r = document.createElement("div");
    r.className = "row";
    for (const b of row) {
      const btn = document.createElement("button");
      btn.type = "button";
      btn.className = "key";
      btn.textContent = b.text;
      btn.onclick = () => pressKey(b);
      r.appendChild(btn);
    }
    kb.appendChild(r);
  }
}

function replyTarget(chat) {
  return state.replyTo || chat.force_reply || 0;
}

function renderComposer(chat) {
  const started = chat.started;
  $("startbtn").hidden = started;
  $("inputrow").hidden = !started;
  $("input").placeholder = chat.placeholder || "Сообщение";
  const target = replyTarget(chat);
  const m = target && chat.messages.find((x) => x.id === target);
  if (m) {
    $("replybar").hidden = false;
    $("replytext").textContent = (m.text || "…").split("\n")[0];
  } else {
    $("replybar").hidden = true;
  }
}

function render() {
  if (!state.data) return;
  const chat = currentChat();
  renderChats();
  if (!chat) return;
  const box = $("messages");
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  renderMessages(chat);
  renderKeyboard(chat);
  renderComposer(chat);
  if (atBottom || state.stick) { box.scrollTop = box.scrollHeight; state.pinned = true; }
  state.stick = false;
}

// --- what the persona does ---------------------------------------------

async function sendText(text) {
  const chat = currentChat();
  if (!chat || !text.trim()) return;
  const fields = { chat: chat.id, text };
  const target = replyTarget(chat);
  if (target) fields.reply_to = target;
  state.replyTo = 0;
  state.scrollNext = true;
  await post("/api/send", fields);
}

async function pressKey(b) {
  const chat = currentChat();
  if (b.request_location) { openLocation(); return; }
  if (b.request_contact) {
    state.scrollNext = true;
    await post("/api/contact", { chat: chat.id });
    return;
  }
  await sendText(b.text);
}

function openLocation() {
  $("lat").value = state.location.latitude;
  $("lon").value = state.location.longitude;
  $("locdialog").showModal();
}

$("locdialog").addEventListener("close", async () => {
  if ($("locdialog").returnValue !== "send") return;
  const chat = currentChat();
  state.scrollNext = true;
  await post("/api/location", { chat: chat.id, latitude: $("lat").value, longitude: $("lon").value });
});

$("messages").addEventListener("click", async (e) => {
  const reply = e.target.closest(".reply-to-this");
  if (reply) {
    state.replyTo = Number(reply.dataset.id);
    render();
    $("input").focus();
    return;
  }
  const btn = e.target.closest("button.inline");
  if (!btn) return;
  if (btn.dataset.press !== "1") { toast("Эта кнопка в демо ничего не делает"); return; }
  const chat = currentChat();
  btn.disabled = true;
  try {
    const a = await post("/api/press", { chat: chat.id, message: btn.dataset.msg, button: btn.textContent });
    if (a.answered && a.text) toast(a.text, a.alert);
    if (!a.answered) toast("Бот не ответил на нажатие", true);
  } finally {
    btn.disabled = false;
  }
});

// A chat pinned to its newest message stays so while photos load.
state.pinned = true;
$("messages").addEventListener("scroll", () => {
  const box = $("messages");
  state.pinned = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
});
$("messages").addEventListener("load", (e) => {
  if (e.target.tagName === "IMG" && state.pinned) $("messages").scrollTop = $("messages").scrollHeight;
}, true);

$("send").onclick = async () => {
  const text = $("input").value;
  $("input").value = "";
  await sendText(text);
};
$("input").addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); $("send").onclick(); }
});
$("replycancel").onclick = () => {
  const chat = currentChat();
  state.replyTo = 0;
  if (chat && chat.force_reply) chat.force_reply = 0; // until the bot asks again
  render();
};
$("startbtn").onclick = () => sendText("/start");
$("locbtn").onclick = openLocation;
$("photo").addEventListener("change", async () => {
  const file = $("photo").files[0];
  if (!file) return;
  const chat = currentChat();
  const form = new FormData();
  form.set("photo", file);
  const fields = { chat: chat.id, caption: $("input").value };
  const target = replyTarget(chat);
  if (target) fields.reply_to = target;
  $("input").value = "";
  $("photo").value = "";
  state.replyTo = 0;
  state.scrollNext = true;
  await post("/api/photo", fields, form);
});
$("digest").onclick = async () => {
  await post("/api/digest", {});
  toast("Сводка отправлена в чат главы");
};

// --- the live view --------------------------------------------------------

function setStatus(ok) {
  $("status").className = "status" + (ok ? "" : " off");
  $("status").title = ok ? "на связи" : "переподключение…";
  document.body.dataset.live = ok ? "1" : "0";
}

function connect() {
  if (state.es) state.es.close();
  const es = new EventSource("/api/events?person=" + encodeURIComponent(state.person));
  state.es = es;
  es.addEventListener("open", () => setStatus(true));
  es.addEventListener("chats", (e) => {
    if (state.es !== es) return;
    state.data = JSON.parse(e.data);
    setStatus(true);
    render();
  });
  es.addEventListener("error", () => {
    setStatus(false);
    if (es.readyState === EventSource.CLOSED) setTimeout(() => { if (state.es === es) connect(); }, 1000);
  });
}

async function init() {
  for (;;) {
    try {
      const resp = await fetch("/api/people");
      const w = await resp.json();
      state.people = w.people;
      if (w.location) state.location = w.location;
      break;
    } catch (e) {
      setStatus(false);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  if (!state.people.some((p) => p.key === state.person)) state.person = state.people[0].key;
  renderPeople();
  connect();
}
init();
