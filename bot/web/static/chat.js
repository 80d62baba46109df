// The local chat page: a WeChat Official Account conversation in the browser.
// Messages go to /chat/api/send, which posts them to the WeChat channel exactly as WeChat's servers
// do; what the assistant sends later through the customer-service API is polled from the inbox.
// Everything shown is built with textContent (never innerHTML), so replies cannot inject markup.
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("chat-config").textContent);
  const $ = (id) => document.getElementById(id);
  const log = $("log"), input = $("input"), composer = $("composer"), sendButton = $("send");
  const panel = $("panel"), sheet = $("sheet"), statusLine = $("status");
  const OPENID_KEY = "syb-chat-openid", MODE_KEY = "syb-chat-mode", HISTORY_PREFIX = "syb-chat:";
  const MAX_HISTORY = 200, POLL_MS = 1500, WAIT_MS = 15000, TIME_GAP_MS = 5 * 60 * 1000;
  const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const URL_OR_PHONE = /(https?:\/\/[^\s<>"'，。；、！？）)】]+)|((?<![\d.\-])(?:0\d{2,3}-\d{7,8}(?:-\d{1,5})?|1[3-9]\d{9}|12\d{3}|9\d{4})(?![\d.]))/g;
  const SVG_NS = "http://www.w3.org/2000/svg";

  const state = { openid: "", after: 0, history: [], lastTime: 0, voice: false, waitingUntil: 0, inFlight: 0,
    mode: localStorage.getItem(MODE_KEY) || "plain" };
  if (!config.encryption) state.mode = "plain";

  // ---- identity and history ------------------------------------------------------------------
  function newOpenid() {
    const bytes = new Uint8Array(27);
    crypto.getRandomValues(bytes);
    return "o" + Array.from(bytes, (b) => ALPHABET[b % ALPHABET.length]).join("");
  }

  function save() {
    state.history = state.history.slice(-MAX_HISTORY);
    try {
      localStorage.setItem(HISTORY_PREFIX + state.openid, JSON.stringify({ after: state.after, history: state.history }));
    } catch (e) { /* storage full or disabled: the conversation still works */ }
  }

  function restore(openid) {
    try {
      const saved = JSON.parse(localStorage.getItem(HISTORY_PREFIX + openid) || "null");
      if (saved && Array.isArray(saved.history)) return saved;
    } catch (e) { /* ignore a corrupt entry */ }
    return { after: 0, history: [] };
  }

  // ---- rendering -------------------------------------------------------------------------------
  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function svg(paths, size) {
    const node = document.createElementNS(SVG_NS, "svg");
    node.setAttribute("viewBox", "0 0 24 24");
    node.setAttribute("width", size || 18);
    node.setAttribute("height", size || 18);
    node.setAttribute("aria-hidden", "true");
    paths.forEach((p) => {
      const path = document.createElementNS(SVG_NS, "path");
      Object.keys(p).forEach((k) => path.setAttribute(k, p[k]));
      node.appendChild(path);
    });
    return node;
  }

  function safeUrl(url) {
    return typeof url === "string" && /^(https?:\/\/|\/(?!\/))/i.test(url) ? url : "";
  }

  function telHref(number) {
    const parts = number.match(/\d+/g) || [];
    if (parts.length >= 3 && parts[0][0] === "0") return "tel:" + parts[0] + parts[1] + "," + parts.slice(2).join("");
    return "tel:" + parts.join("");
  }

  // Text with web addresses and phone numbers as links; newlines are kept by CSS (pre-wrap).
  function linkified(text) {
    const frag = document.createDocumentFragment();
    let last = 0;
    URL_OR_PHONE.lastIndex = 0;
    for (let m = URL_OR_PHONE.exec(text); m !== null; m = URL_OR_PHONE.exec(text)) {
      frag.appendChild(document.createTextNode(text.slice(last, m.index)));
      const a = el("a", m[1] ? "url" : "tel", m[0]);
      if (m[1]) { a.href = m[1]; a.target = "_blank"; a.rel = "noopener noreferrer"; } else { a.href = telHref(m[0]); }
      frag.appendChild(a);
      last = m.index + m[0].length;
    }
    frag.appendChild(document.createTextNode(text.slice(last)));
    return frag;
  }

  function timeLabel(t) {
    const d = new Date(t), now = new Date();
    const hm = String(d.getHours()).padStart(2, "0") + ":" + String(d.getMinutes()).padStart(2, "0");
    return d.toDateString() === now.toDateString() ? hm : (d.getMonth() + 1) + "月" + d.getDate() + "日 " + hm;
  }

  function row(side) {
    const r = el("div", "row " + side);
    r.appendChild(el("div", "avatar", side === "in" ? "营" : "我"));
    const stack = el("div", "stack");
    r.appendChild(stack);
    return [r, stack];
  }

  function newsCard(article) {
    const url = safeUrl(article.url);
    const card = el(url ? "a" : "div", "news");
    if (url) { card.href = url; card.target = "_blank"; card.rel = "noopener"; }
    card.appendChild(el("div", "n-title", article.title || ""));
    const body = el("div", "n-body");
    body.appendChild(el("div", "n-desc", article.description || ""));
    const pic = safeUrl(article.picurl);
    if (pic) {
      const img = el("img");
      img.src = pic; img.alt = ""; img.loading = "lazy";
      body.appendChild(img);
    }
    card.appendChild(body);
    if (url) card.appendChild(el("div", "n-foot", "查看详情"));
    return card;
  }

  function templateCard(body) {
    const card = el("div", "template");
    card.appendChild(el("div", "t-title", "服务通知"));
    Object.values(body.data || {}).forEach((v) => {
      const value = v && typeof v === "object" ? v.value : v;
      if (value !== undefined && value !== null && value !== "") card.appendChild(el("div", "t-line", value));
    });
    const url = safeUrl(body.url);
    if (url) {
      const a = el("a", "", "详情");
      a.href = url; a.target = "_blank"; a.rel = "noopener";
      card.appendChild(a);
    }
    return card;
  }

  const OTHER_KINDS = { image: "[图片]", voice: "[语音]", video: "[视频]", music: "[音乐]", mpnews: "[图文消息]", miniprogrampage: "[小程序]" };

  // One message as DOM: "in" (the assistant), "out" (the user) or "system".
  function render(entry) {
    const body = entry.body || {};
    if (entry.t && entry.t - state.lastTime > TIME_GAP_MS) {
      log.appendChild(el("div", "time", timeLabel(entry.t)));
    }
    if (entry.t) state.lastTime = entry.t;
    if (entry.side === "system" || body.msgtype === "transfer_customer_service") {
      const p = el("p", "system");
      p.appendChild(el("span", "", body.msgtype === "transfer_customer_service" ? "已为您转接人工客服" : body.text));
      log.appendChild(p);
      return;
    }
    const [r, stack] = row(entry.side);
    if (body.msgtype === "text") {
      const b = el("div", "bubble");
      b.appendChild(linkified(String((body.text && body.text.content) || "")));
      stack.appendChild(b);
    } else if (body.msgtype === "news") {
      ((body.news && body.news.articles) || []).forEach((a) => stack.appendChild(newsCard(a)));
    } else if (body.template_id) {
      stack.appendChild(templateCard(body));
    } else if (body.msgtype === "voice" && entry.side === "out") {
      const words = body.recognition || "";
      const b = el("div", "bubble voice");
      b.style.width = Math.min(72 + words.length * 6, 200) + "px";
      b.appendChild(el("span", "", Math.max(1, Math.min(60, Math.ceil(words.length / 4))) + "″"));
      b.appendChild(svg([{ d: "M9 7.5a6.5 6.5 0 0 1 0 9M12.5 4.5a11 11 0 0 1 0 15", fill: "none", stroke: "currentColor", "stroke-width": "1.8", "stroke-linecap": "round" },
        { d: "M4 12a1.8 1.8 0 1 0 3.6 0a1.8 1.8 0 1 0-3.6 0", fill: "currentColor" }]));
      stack.appendChild(b);
      const t = el("div", "transcript");
      t.appendChild(el("b", "", "转文字："));
      t.appendChild(document.createTextNode(words || "（未识别出文字）"));
      stack.appendChild(t);
    } else if (body.msgtype === "location") {
      const card = el("div", "location");
      card.appendChild(el("div", "place-name", body.label || "位置"));
      card.appendChild(el("div", "coords", "北纬 " + Number(body.latitude).toFixed(4) + "°，东经 " + Number(body.longitude).toFixed(4) + "°"));
      const map = el("div", "map");
      map.appendChild(svg([{ d: "M12 2a7 7 0 0 0-7 7c0 5 7 13 7 13s7-8 7-13a7 7 0 0 0-7-7zm0 9.5A2.5 2.5 0 1 1 12 6.5a2.5 2.5 0 0 1 0 5z", fill: "currentColor" }], 28));
      card.appendChild(map);
      stack.appendChild(card);
    } else {
      stack.appendChild(el("div", "bubble", OTHER_KINDS[body.msgtype] || "[暂不支持显示的消息]"));
    }
    log.appendChild(r);
  }

  function scrollDown() { log.scrollTop = log.scrollHeight; }

  function add(side, body) {
    const entry = { side: side, body: body, t: Date.now() };
    state.history.push(entry);
    render(entry);
    save();
    scrollDown();
  }

  function system(text) { add("system", { text: text }); }

  // ---- "对方正在输入" ------------------------------------------------------------------------
  function refreshStatus() {
    const waiting = state.inFlight > 0 || Date.now() < state.waitingUntil;
    statusLine.textContent = waiting ? "对方正在输入…" : (state.mode === "safe" ? "安全模式" : state.mode === "compatible" ? "兼容模式" : "");
  }

  // ---- talking to the assistant ---------------------------------------------------------------
  async function send(message, echo) {
    if (echo) add("out", echo);
    state.inFlight += 1;
    refreshStatus();
    try {
      const resp = await fetch(config.sendUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(Object.assign({}, message, { openid: state.openid, mode: state.mode })),
      });
      let data = {};
      try { data = await resp.json(); } catch (e) { data = {}; }
      if (!resp.ok) {
        system(data.error || ("发送失败（HTTP " + resp.status + "）"));
        return;
      }
      if (data.unavailable) system("该公众号暂时无法提供服务，请稍后再试");
      (data.replies || []).forEach((b) => add("in", b));
      // "success" or an empty reply: the answer comes later through the customer-service API.
      state.waitingUntil = data.replies && data.replies.length ? 0 : Date.now() + WAIT_MS;
      if (!data.replies || !data.replies.length) setTimeout(poll, 300);
    } catch (e) {
      system("网络异常，消息未发出，请检查本地服务是否在运行");
    } finally {
      state.inFlight -= 1;
      refreshStatus();
    }
  }

  let polling = false;
  async function poll() {
    if (polling || document.hidden) return;
    polling = true;
    const openid = state.openid;
    try {
      const resp = await fetch(config.inboxUrl + "?openid=" + encodeURIComponent(openid) + "&after=" + state.after);
      if (resp.ok && openid === state.openid) {
        const data = await resp.json();
        (data.messages || []).forEach((m) => {
          if (m.id <= state.after) return;
          state.after = m.id;
          state.waitingUntil = 0;
          add("in", m.body || {});
        });
        save();
      }
    } catch (e) { /* the server may be restarting: try again on the next tick */ }
    finally {
      polling = false;
      refreshStatus();
    }
  }

  function subscribe() {
    system("你关注了“@沈阳营商”");
    send({ type: "event", event: "subscribe" }, null);
  }

  function startSession(openid, isNew) {
    state.openid = openid;
    localStorage.setItem(OPENID_KEY, openid);
    const saved = isNew ? { after: 0, history: [] } : restore(openid);
    state.after = saved.after || 0;
    state.history = saved.history;
    state.lastTime = 0;
    log.textContent = "";
    state.history.forEach(render);
    $("openid").textContent = openid;
    scrollDown();
    if (isNew) subscribe();
  }

  // ---- input bar ---------------------------------------------------------------------------
  function placeholder() {
    input.placeholder = state.voice ? "输入要“说”的话" : "请输入您的问题";
    $("voice-hint").hidden = !state.voice;
    sendButton.textContent = state.voice ? "发语音" : "发送";
    updateSend();
  }

  function updateSend() {
    sendButton.disabled = !state.voice && !input.value.trim();
  }

  function grow() {
    input.style.height = "";
    if (input.value) input.style.height = Math.min(input.scrollHeight, 120) + "px";
  }

  composer.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const text = input.value.trim();
    if (state.voice) {
      send({ type: "voice", content: text }, { msgtype: "voice", recognition: text });
    } else {
      if (!text) return;
      send({ type: "text", content: text }, { msgtype: "text", text: { content: text } });
    }
    input.value = "";
    grow();
    updateSend();
    panel.hidden = true;
  });

  input.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      composer.requestSubmit();
    }
  });
  input.addEventListener("input", () => { grow(); updateSend(); });

  $("voice-toggle").addEventListener("click", () => {
    state.voice = !state.voice;
    composer.classList.toggle("voice", state.voice);
    const b = $("voice-toggle");
    b.setAttribute("aria-pressed", String(state.voice));
    b.setAttribute("aria-label", state.voice ? "切换到键盘输入" : "切换到语音输入");
    placeholder();
    input.focus();
  });

  // ---- location ----------------------------------------------------------------------------
  function sendLocation(latitude, longitude, label) {
    panel.hidden = true;
    $("plus").setAttribute("aria-expanded", "false");
    send({ type: "location", latitude: latitude, longitude: longitude, label: label },
      { msgtype: "location", latitude: latitude, longitude: longitude, label: label });
  }

  $("plus").addEventListener("click", () => {
    panel.hidden = !panel.hidden;
    $("plus").setAttribute("aria-expanded", String(!panel.hidden));
    if (!panel.hidden) scrollDown();
  });
  panel.addEventListener("click", (ev) => {
    const b = ev.target.closest("button.place[data-lat]");
    if (b) sendLocation(Number(b.dataset.lat), Number(b.dataset.lon), b.dataset.label || "");
  });
  const geo = $("geo");
  if (!navigator.geolocation) geo.hidden = true;
  geo.addEventListener("click", () => {
    navigator.geolocation.getCurrentPosition(
      (p) => sendLocation(Number(p.coords.latitude.toFixed(6)), Number(p.coords.longitude.toFixed(6)), "我的位置"),
      () => { panel.hidden = true; system("没能获取浏览器定位，请从列表中选择一个位置"); },
      { enableHighAccuracy: false, timeout: 10000, maximumAge: 60000 });
  });

  // ---- menu --------------------------------------------------------------------------------
  function closeSubmenus(except) {
    document.querySelectorAll(".submenu").forEach((s) => {
      if (s !== except) {
        s.hidden = true;
        s.previousElementSibling.setAttribute("aria-expanded", "false");
      }
    });
  }

  $("menu").addEventListener("click", (ev) => {
    const b = ev.target.closest("button");
    if (!b) return;
    if (b.classList.contains("has-sub")) {
      const sub = b.nextElementSibling;
      closeSubmenus(sub);
      sub.hidden = !sub.hidden;
      b.setAttribute("aria-expanded", String(!sub.hidden));
      return;
    }
    closeSubmenus(null);
    if (b.dataset.type === "view") {
      const url = safeUrl(b.dataset.url);
      if (url) window.open(url, "_blank", "noopener");
    } else if (b.dataset.key) {
      send({ type: "event", event: "CLICK", key: b.dataset.key }, null);
    }
  });
  document.addEventListener("click", (ev) => {
    if (!ev.target.closest("#menu")) closeSubmenus(null);
    if (!ev.target.closest("#sheet") && !ev.target.closest("#more")) {
      sheet.hidden = true;
      $("more").setAttribute("aria-expanded", "false");
    }
  });

  // ---- settings: new session, encryption mode ----------------------------------------------
  $("more").addEventListener("click", () => {
    sheet.hidden = !sheet.hidden;
    $("more").setAttribute("aria-expanded", String(!sheet.hidden));
  });
  $("new-session").addEventListener("click", () => {
    sheet.hidden = true;
    startSession(newOpenid(), true);
  });
  document.querySelectorAll('input[name="mode"]').forEach((radio) => {
    radio.checked = radio.value === state.mode;
    radio.addEventListener("change", () => {
      if (!radio.checked) return;
      state.mode = radio.value;
      localStorage.setItem(MODE_KEY, state.mode);
      refreshStatus();
    });
  });

  // ---- start -------------------------------------------------------------------------------
  placeholder();
  const known = localStorage.getItem(OPENID_KEY);
  if (known && /^[A-Za-z0-9_-]{6,64}$/.test(known)) startSession(known, false);
  else startSession(newOpenid(), true);
  refreshStatus();
  setInterval(poll, POLL_MS);
  setInterval(refreshStatus, 1000);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) poll(); });
})();
