// Printouts assembled in the browser from this tab's transcript; nothing is
// sent anywhere. Three kinds, as a flow's state asks (`print:`):
// - "steps": a young person's steps to keep ("Save my steps"): each step with
//   "Step n of N", the checklist with its ticks;
// - "summary": the summary itself (what was covered, what to do, the numbers),
//   not the conversation;
// - "record": every line with its time, and the notes.
// Every date is British with its time zone; every web link prints its address.
import { britishDate } from "./dates.js";
import { fill } from "./fill.js";
import { loadTranscript } from "./transcript.js";

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// A message's own HTML, with each web link's address printed after it and
// each checklist item marked done or not, from the ticks kept in this tab.
function printedMessage(entry) {
  const box = el("div", `print-message${entry.kind ? ` kind-${entry.kind}` : ""}`);
  box.innerHTML = entry.html; // our own rendered Markdown (raw HTML is refused at load)
  for (const a of box.querySelectorAll("a[href]")) {
    const href = a.getAttribute("href");
    if (/^https?:/.test(href) && a.textContent.trim() !== href) a.after(` (${href})`);
  }
  if (entry.kind === "checklist") {
    box.querySelectorAll("li").forEach((li, i) => {
      const done = sessionStorage.getItem(`safechat.tick.${entry.id}.${i}`) === "1";
      li.classList.add(done ? "ticked" : "unticked");
      li.prepend(done ? "☑ " : "☐ ");
    });
  }
  return box;
}

function heading(view, title) {
  view.replaceChildren(
    el("h1", "", title),
    el("p", "print-meta", `${view.dataset.printedLabel} ${britishDate(new Date())}`),
  );
}

function printSteps(view, entries) {
  const words = view.dataset;
  heading(view, words.stepsTitle);
  view.append(el("p", "print-intro", words.stepsIntro));
  // The numbered steps and checklists; a flow without either prints all it said.
  const kept = entries.filter((e) => e.step || e.kind === "checklist");
  let lastTurn = null;
  for (const entry of kept.length ? kept : entries) {
    if (entry.step && entry.turn !== lastTurn) {
      view.append(el("h2", "print-step", fill(words.step, { n: entry.step.n, total: entry.step.of })));
    }
    lastTurn = entry.turn;
    view.append(printedMessage(entry));
  }
}

// The summary messages of the last step that had any (what was covered, what
// to do next, the numbers); a flow without one prints all it said.
function printSummary(view, entries) {
  heading(view, view.dataset.summaryTitle);
  const summaries = entries.filter((e) => e.kind === "summary");
  const lastTurn = summaries.length ? summaries[summaries.length - 1].turn : null;
  const kept = summaries.filter((e) => e.turn === lastTurn);
  for (const entry of kept.length ? kept : entries) view.append(printedMessage(entry));
}

function printRecord(view, entries, notes) {
  const words = view.dataset;
  heading(view, words.recordTitle);
  const list = el("div", "print-lines");
  for (const entry of entries) {
    const line = el("div", `print-line ${entry.who}`);
    line.append(el("span", "print-time", britishDate(new Date(entry.at))));
    line.append(el("span", "print-who", entry.who === "you" ? words.youLabel : words.botLabel));
    line.append(el("p", "print-text", entry.text));
    list.append(line);
  }
  view.append(list);
  if (notes && notes.trim()) view.append(el("h2", "", words.notesTitle), el("p", "print-notes", notes));
}

// Builds #print-view from what was said in one flow (the one offering to print).
export function buildPrintView(view, kind, notes, flow) {
  const entries = loadTranscript().filter((e) => e.flow === flow);
  const bot = entries.filter((e) => e.who === "bot" && e.html);
  if (kind === "steps") printSteps(view, bot);
  else if (kind === "summary") printSummary(view, bot);
  else printRecord(view, entries, notes);
}
