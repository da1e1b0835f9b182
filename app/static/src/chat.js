// The chat page, enhanced. Without JavaScript the same page works as plain
// forms (each answer a redirect to a page that can be reloaded); with it,
// turns arrive over Socket.IO and the log keeps growing. The conversation
// token and what was said live in sessionStorage only: closing the tab leaves
// nothing behind, and no address ever carries the conversation.
import { installQuickExit } from "./lib/quick-exit.js";
import { fill } from "./lib/fill.js";
import { buildPrintView } from "./lib/printout.js";
import { beforeLastTurn, loadTranscript, remember, resetTranscript } from "./lib/transcript.js";
import { buildRecord, onChoice, onTurn } from "./lib/dsl-record.js";
import { connect } from "./lib/transport.js";

const KEY = "safechat.token";
const $ = (id) => document.getElementById(id);

installQuickExit();

const log = $("log");
const problem = $("problem");
const choices = $("choices");
const sayForm = $("say-form");
const sayBox = $("say");
const confirmBox = $("confirm-restart");
const offlineText = problem.dataset.offline || "";
const serverDrawn = Array.from(log.childNodes); // the page as drawn, should a restore fail
let busy = false;
let currentFlow = log.dataset.flow;
let restoring = false;
let turnNumber = 0;

// Screen readers hear each new message once: focus moves to it (with its
// speaker label), so the log is not also a live region while the script runs.
log.setAttribute("aria-live", "off");

function storeToken(token) {
  try {
    sessionStorage.setItem(KEY, token);
  } catch {
    // private mode without storage: the page still works for this visit
  }
  for (const input of document.querySelectorAll('input[name="token"]')) input.value = token;
}

function button(option) {
  const b = document.createElement("button");
  b.type = "submit";
  b.name = "choose";
  b.value = option.id;
  b.className = option.global ? `option global g-${option.id}` : "option";
  b.textContent = option.label;
  return b;
}

function speaker(who) {
  const label = document.createElement("span");
  label.className = "visually-hidden speaker";
  label.textContent = who === "you" ? log.dataset.youLabel : log.dataset.botLabel;
  return label;
}

function stepCount(step) {
  const p = document.createElement("p");
  p.className = "step-count";
  p.textContent = fill(log.dataset.step, { n: step.n, total: step.of });
  return p;
}

// Draws one message; `entry` is a transcript entry (see lib/transcript.js).
function draw(entry) {
  const div = document.createElement("div");
  const who = entry.who === "you" ? "you" : "bot";
  div.className = `msg ${who}${entry.crisis ? " crisis" : ""}${entry.kind ? ` kind-${entry.kind}` : ""}`;
  div.tabIndex = -1;
  if (entry.id) div.dataset.id = entry.id;
  div.append(speaker(who));
  if (entry.html !== undefined) div.insertAdjacentHTML("beforeend", entry.html); // our own rendered Markdown
  else div.append(entry.text);
  if (entry.kind === "checklist") makeChecklist(div);
  log.append(div);
  return div;
}

// A checklist's ticks stay in this tab only.
function makeChecklist(div) {
  div.querySelectorAll("li").forEach((li, i) => {
    const key = `safechat.tick.${div.dataset.id}.${i}`;
    const box = document.createElement("input");
    box.type = "checkbox";
    box.id = `${key}.${log.children.length}`;
    box.checked = sessionStorage.getItem(key) === "1";
    box.addEventListener("change", () => sessionStorage.setItem(key, box.checked ? "1" : "0"));
    const label = document.createElement("label");
    label.htmlFor = box.id;
    label.append(...li.childNodes);
    li.classList.add("tick");
    li.append(box, label);
  });
}

// The conversation so far, from this tab's transcript, without announcing it.
function redraw(entries) {
  log.setAttribute("aria-busy", "true");
  log.replaceChildren();
  let lastTurn = null;
  for (const entry of entries) {
    if (entry.who === "bot" && entry.step && entry.turn !== lastTurn) log.append(stepCount(entry.step));
    if (entry.who === "bot") lastTurn = entry.turn;
    const div = draw(entry);
    div.classList.add("past");
  }
  turnNumber = Math.max(0, ...entries.map((e) => e.turn || 0));
  log.removeAttribute("aria-busy");
}

function render(turn) {
  currentFlow = turn.flow;
  const quiet = restoring; // a redrawn step: no focus move, nothing to announce
  restoring = false;
  busy = false;
  problem.hidden = true;
  turnNumber += 1;
  let first = null;
  const divs = [];
  if (turn.step) log.append(stepCount(turn.step));
  for (const m of turn.messages) {
    const entry = { who: "bot", text: m.text, html: m.html, id: m.id, kind: m.kind, crisis: turn.crisis };
    Object.assign(entry, { step: turn.step || undefined, flow: turn.flow, turn: turnNumber });
    const div = draw(entry);
    if (!quiet) div.classList.add("new");
    remember(entry);
    divs.push(div);
    first ??= div;
  }
  onTurn(turn, divs);
  $("options").replaceChildren(...turn.options.filter((o) => !o.global).map(button));
  $("globals").replaceChildren(...turn.options.filter((o) => o.global).map(button));
  $("feedback").hidden = !turn.feedback;
  $("feedback-question").textContent = turn.feedback ? turn.feedback.question : "";
  $("feedback-options").replaceChildren(...(turn.feedback ? turn.feedback.options.map(button) : []));
  document.querySelectorAll(".handoff").forEach((el) => el.remove());
  if (turn.handoff) {
    const link = document.createElement("a");
    link.className = "button";
    link.href = turn.handoff.url;
    link.textContent = JSON.parse(choices.dataset.handoffLabels)[turn.handoff.kind];
    const p = document.createElement("p");
    p.className = "handoff";
    p.append(link);
    choices.before(p);
  }
  showPrint(turn.print);
  sayForm.hidden = !turn.accepts_text;
  document.documentElement.lang = turn.locale;
  storeToken(turn.token);
  // Move focus to the newest words so keyboard and screen-reader users land there.
  if (first && !quiet) first.focus({ preventScroll: false });
  else if (first && log.children.length > turn.messages.length) first.scrollIntoView({ block: "center" }); // back where we were
}

// Offer to print when the flow says so: steps, a summary, or a record with notes.
function showPrint(kind) {
  const box = $("print-box");
  box.hidden = !kind;
  if (!kind) return;
  box.dataset.kind = kind;
  const b = $("print-button");
  b.textContent = kind === "steps" ? b.dataset.labelSteps : b.dataset.label;
}

document.querySelectorAll(".js-hide").forEach((node) => node.remove());
$("print-button").hidden = false;
$("print-button").addEventListener("click", () => {
  const box = $("print-box");
  // The DSL review's record has its own layout (lib/dsl-record.js); a page drawn
  // by the server at an outcome already holds it, filled from the conversation.
  const record = box.dataset.kind === "record" && (buildRecord() || $("dsl-record")?.classList.contains("filled"));
  if (!record) {
    buildPrintView($("print-view"), box.dataset.kind, "", currentFlow);
    document.body.classList.add("has-print-view");
  }
  window.print();
});
window.addEventListener("afterprint", () => document.body.classList.remove("has-print-view"));

function showProblem(body) {
  busy = false;
  const err = body && body.error ? body.error : {};
  problem.textContent = err.message || offlineText;
  problem.hidden = false;
  if (restoring) {
    restoring = false; // the saved conversation is gone: start afresh
    log.replaceChildren(...serverDrawn);
    startFresh();
    return;
  }
  if (err.options) $("options").replaceChildren(...err.options.map(button));
  problem.focus?.();
}

const chat = connect(render, showProblem);

function send(action, echo) {
  if (busy) return;
  busy = true;
  if (echo) {
    const entry = { who: "you", text: echo, flow: currentFlow, turn: turnNumber };
    draw(entry).classList.add("new");
    remember(entry);
  }
  const token = sessionStorage.getItem(KEY);
  chat.send(token ? { token, ...action } : action);
}

// "Start again" asks first: it clears the conversation from the screen.
function askToRestart() {
  confirmBox.hidden = false;
  $("confirm-restart-yes").focus();
}

function closeConfirm() {
  confirmBox.hidden = true;
  choices.querySelector(".g-start_again")?.focus();
}

confirmBox.querySelector("form").addEventListener("submit", (event) => {
  event.preventDefault();
  confirmBox.hidden = true;
  resetTranscript();
  log.replaceChildren();
  turnNumber = 0;
  send({ choose: "start_again" });
});
$("confirm-restart-no").addEventListener("click", (event) => {
  event.preventDefault();
  closeConfirm();
});
confirmBox.addEventListener("keydown", (event) => {
  if (event.key === "Escape") closeConfirm();
});

choices.addEventListener("submit", (event) => {
  event.preventDefault();
  const b = event.submitter;
  if (!b || !b.value) return;
  onChoice(b.value);
  if (b.value === "start_again") return askToRestart();
  send({ choose: b.value }, b.classList.contains("global") ? null : b.textContent);
});

sayForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = sayBox.value.trim();
  if (!text) return;
  sayBox.value = "";
  send({ say: text }, text);
});

// Enter sends; Shift+Enter makes a new line.
sayBox.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    sayForm.requestSubmit();
  }
});

// Switching language leaves no form page in history: the script posts the
// switch itself (fetch: no history entry), keeps the conversation the server
// draws back in the new language, then opens the chat page in it by GET.
$("language-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const code = event.submitter && event.submitter.value;
  if (!code) return;
  const token = sessionStorage.getItem(KEY) || choices.elements.token.value;
  try {
    const res = await fetch("/chat", {
      method: "POST",
      body: new URLSearchParams({ token, locale: code }),
      credentials: "omit",
    });
    const page = new DOMParser().parseFromString(await res.text(), "text/html");
    const newLog = page.getElementById("log");
    const newToken = page.querySelector('#choices input[name="token"]');
    if (res.ok && newLog && newToken) {
      resetTranscript(entriesFrom(newLog).entries);
      storeToken(newToken.value);
    }
  } catch {
    // offline: the page below still switches, with the conversation as it was
  }
  window.location.assign(`/chat?lang=${encodeURIComponent(code)}`);
});

// With the conversation in this tab, links and the address need no token.
const help = $("help-link");
if (help) {
  const url = new URL(help.href);
  url.searchParams.delete("t");
  help.href = url.pathname + url.search;
}

// This tab's transcript from the messages the server drew (a page reached
// without the script's help: a form answer, or a link that carried the token).
// Transcript entries from a log the server drew: each past step's messages
// (class "past"), the buttons pressed between them, then the step on screen.
function entriesFrom(someLog) {
  const entries = [];
  let turn = 0;
  let step; // the step number of the turn being read
  let pending; // a "Step n of N" line seen, for the turn it heads
  let last = null; // "you", "past" or "now": what the previous message was
  for (const node of someLog.children) {
    if (node.classList.contains("step-count")) {
      pending = { n: Number(node.dataset.n), of: Number(node.dataset.of) };
      last = null; // a numbered step starts a turn of its own
      continue;
    }
    if (!node.classList.contains("msg")) continue;
    const who = node.classList.contains("you") ? "you" : "bot";
    const now = node.classList.contains("past") ? "past" : "now";
    if (who === "bot" && last !== now) {
      turn += 1;
      step = pending;
      pending = undefined;
    }
    last = who === "you" ? "you" : now;
    const copy = node.cloneNode(true);
    copy.querySelector(".speaker")?.remove();
    const flow = node.dataset.flow || someLog.dataset.flow;
    const entry = { who, text: copy.textContent.trim(), flow, turn, at: new Date().toISOString() };
    if (who === "bot") {
      Object.assign(entry, { html: copy.innerHTML.trim(), id: node.dataset.id, step });
      if (node.classList.contains("crisis")) entry.crisis = true;
    }
    const kind = [...node.classList].find((c) => c.startsWith("kind-"));
    if (kind) entry.kind = kind.slice(5);
    entries.push(entry);
  }
  return { entries, turn };
}

function adoptPage() {
  const { entries, turn } = entriesFrom(log);
  resetTranscript(entries);
  turnNumber = turn;
  for (const div of log.querySelectorAll(".msg.kind-checklist")) makeChecklist(div);
}

function startFresh() {
  adoptPage();
  storeToken(choices.elements.token.value);
}

// Coming back to this tab (a reload, a language switch, back from Help now, a
// server restart): draw the conversation so far and pick up where we were,
// instead of the fresh welcome the server drew.
const saved = sessionStorage.getItem(KEY);
if (log.dataset.fresh !== "1") {
  startFresh();
  if (!confirmBox.hidden) $("confirm-restart-yes").focus();
  history.replaceState(null, "", "/chat"); // the address forgets the token
} else if (saved && saved !== choices.elements.token.value) {
  restoring = true;
  const past = beforeLastTurn(loadTranscript());
  resetTranscript(past);
  redraw(past);
  send({ token: saved, locale: document.documentElement.lang });
} else {
  startFresh();
}
