// A printable summary or record of this conversation, assembled in the
// browser from what was said in this tab. Nothing of it is sent anywhere:
// the transcript lives in sessionStorage, the notes box only in the page.
const KEY = "safechat.transcript";

export function loadTranscript() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY) || "[]");
  } catch {
    return [];
  }
}

function save(entries) {
  try {
    sessionStorage.setItem(KEY, JSON.stringify(entries));
  } catch {
    // storage full or blocked: printing falls back to what is on screen
  }
}

export function resetTranscript() {
  save([]);
}

// who: "bot" | "you"; text: what was shown or chosen; flow: where it was said.
export function remember(who, text, flow) {
  const entries = loadTranscript();
  entries.push({ who, text, flow, at: new Date().toISOString() });
  save(entries);
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// Builds #print-view from the transcript of one flow (the one offering to
// print); `kind` is "summary" or "record" (a record shows the time of every
// line and the notes).
export function buildPrintView(view, kind, notes, flow) {
  const words = view.dataset;
  const when = new Date();
  const fmt = new Intl.DateTimeFormat(document.documentElement.lang || "en", {
    dateStyle: "medium",
    timeStyle: "short",
  });
  view.replaceChildren(
    el("h1", "", kind === "record" ? words.recordTitle : words.summaryTitle),
    el("p", "print-meta", `${words.printedLabel} ${fmt.format(when)}`),
  );
  const list = el("div", "print-lines");
  for (const entry of loadTranscript().filter((e) => e.flow === flow)) {
    const line = el("div", `print-line ${entry.who}`);
    if (kind === "record") line.append(el("span", "print-time", fmt.format(new Date(entry.at))));
    line.append(el("span", "print-who", entry.who === "you" ? words.youLabel : words.botLabel));
    line.append(el("p", "print-text", entry.text));
    list.append(line);
  }
  view.append(list);
  if (notes && notes.trim()) {
    view.append(el("h2", "", words.notesTitle), el("p", "print-notes", notes));
  }
}
