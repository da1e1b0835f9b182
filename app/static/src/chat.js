// The chat page, enhanced. Without JavaScript the same page works as plain
// forms; with it, turns arrive over Socket.IO and the log keeps growing.
// The conversation token lives in sessionStorage only: closing the tab
// leaves nothing behind.
import { installQuickExit } from "./lib/quick-exit.js";
import { buildPrintView, remember, resetTranscript } from "./lib/printout.js";
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
const offlineText = problem.dataset.offline || "";
let busy = false;
let currentFlow = log.dataset.flow;
let restoring = false;

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

function addMessage(className, { html, text, id, kind }, record = true) {
  const div = document.createElement("div");
  div.className = `msg ${className} new${kind ? ` kind-${kind}` : ""}`;
  div.tabIndex = -1;
  if (id) div.dataset.id = id;
  if (html !== undefined) div.innerHTML = html; // our own rendered Markdown: raw HTML is refused at load
  else div.textContent = text;
  if (kind === "checklist") makeChecklist(div);
  log.append(div);
  if (record) remember(className.startsWith("you") ? "you" : "bot", text ?? div.textContent, currentFlow);
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
    li.append(box, label);
  });
}

function render(turn) {
  currentFlow = turn.flow;
  const fresh = restoring;
  restoring = false;
  busy = false;
  problem.hidden = true;
  if (fresh) log.replaceChildren();
  const divs = turn.messages.map((m) => addMessage(turn.crisis ? "bot crisis" : "bot", m, !fresh)); // a restored step is in the transcript already
  const first = divs[0] ?? null;
  onTurn(turn, divs);
  $("options").replaceChildren(...turn.options.filter((o) => !o.global).map(button));
  $("globals").replaceChildren(...turn.options.filter((o) => o.global).map(button));
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
  if (first && !fresh) first.focus({ preventScroll: false });
}

// Offer to print when the flow says so: a summary, or a record with times and notes.
function showPrint(kind) {
  const box = $("print-box");
  box.hidden = !kind;
  if (!kind) return;
  box.dataset.kind = kind;
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

function showProblem(body) {
  busy = false;
  const err = body && body.error ? body.error : {};
  problem.textContent = err.message || offlineText;
  problem.hidden = false;
  if (restoring) {
    restoring = false; // the saved conversation is gone: keep the fresh welcome
    storeToken(choices.elements.token.value);
    return;
  }
  if (err.options) $("options").replaceChildren(...err.options.map(button));
  problem.focus?.();
}

const chat = connect(render, showProblem);

function send(action, echo) {
  if (busy) return;
  busy = true;
  if (echo) addMessage("you", { text: echo });
  const token = sessionStorage.getItem(KEY);
  chat.send(token ? { token, ...action } : action);
}

choices.addEventListener("submit", (event) => {
  event.preventDefault();
  const b = event.submitter;
  if (!b || !b.value) return;
  if (b.value === "start_again") resetTranscript();
  onChoice(b.value);
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

// Coming back to this tab (reload, or the server restarted): pick up where we
// were instead of the fresh welcome the server drew. A page answering a form
// post (a language switch) is already the latest step, and its conversation
// (and transcript) carries on; only a truly new conversation starts a new one.
const saved = sessionStorage.getItem(KEY);
if (log.dataset.fresh !== "1") {
  storeToken(choices.elements.token.value);
} else if (saved && saved !== choices.elements.token.value) {
  restoring = true;
  send({ token: saved, locale: document.documentElement.lang });
} else {
  resetTranscript();
  for (const div of log.querySelectorAll(".msg")) remember("bot", div.textContent.trim(), currentFlow);
  storeToken(choices.elements.token.value);
}
