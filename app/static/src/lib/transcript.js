// What was said in this tab, kept in sessionStorage only (closing the tab or
// quick exit forgets it), so a reload, a language switch or a visit to Help
// now can draw the conversation again, and a printout can be made from it.
// Nothing of it is ever sent: typed text stays on this device.
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
    // storage full or blocked: the page still works, it just can't be redrawn
  }
}

export function resetTranscript(entries = []) {
  save(entries);
}

// entry: {who: "bot" | "you", text, html?, id?, kind?, crisis?, step?, flow, turn, at}.
// Bot messages shown together share a `turn` number.
export function remember(entry) {
  const entries = loadTranscript();
  entries.push({ ...entry, at: new Date().toISOString() });
  save(entries);
}

// Everything before the step on screen: drops the last turn's messages (and
// an answer sent after them that got no reply), which the page draws afresh.
export function beforeLastTurn(entries) {
  let end = entries.length;
  while (end > 0 && entries[end - 1].who === "you") end -= 1;
  const last = end > 0 ? entries[end - 1].turn : undefined;
  while (end > 0 && entries[end - 1].who === "bot" && entries[end - 1].turn === last) end -= 1;
  return entries.slice(0, end);
}
