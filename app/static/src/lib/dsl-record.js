// The DSL's record of an initial review, built in this tab and never sent.
//
// It follows the review as it happens: the steps taken (Back removes them,
// as the conversation's own history does), each answer with its time, any
// answer changed later ("changed from No to Yes at 10:42"), the DSL's typed
// answer at every "note the answer" question, and the record's own fields
// (date of incident, completed by, ...). All of it lives in sessionStorage,
// which goes when the tab closes. Printing fills the page's record layout
// (templates/schools/dsl_record.html, the same one the server fills from the
// conversation when JavaScript is off).
const KEY = "safechat.dslrecord";
const FLOW = "school_dsl_incident";
const START = "nation";
const NOTE = "noted"; // the option that moves on from a "note the answer" question
const INFORM = "next"; // the option that moves on from a step that only informs
const $ = (id) => document.getElementById(id);

let shown = null; // the review step on screen: {state, question, labels, advice}

function blank() {
  return { live: false, trail: [], answers: {}, notes: {}, fields: {} };
}

function load() {
  try {
    return { ...blank(), ...JSON.parse(sessionStorage.getItem(KEY) || "{}") };
  } catch {
    return blank();
  }
}

function save(rec) {
  try {
    sessionStorage.setItem(KEY, JSON.stringify(rec));
  } catch {
    // storage blocked: the record covers this page only
  }
}

export function resetRecord() {
  save(blank());
}

// -- British dates and times, in the page's language, with the zone ----------

// Month names come from the page (the server's catalogs): a browser may not
// have Welsh ones. The page's language can change mid-conversation, so they
// are read when needed.
function months() {
  return ($("dsl-record")?.dataset.months || "").split(",");
}

const two = (n) => String(n).padStart(2, "0");

function clock(date) {
  return `${two(date.getHours())}:${two(date.getMinutes())}`;
}

// "30 November 2026, 10:42 GMT" in this device's time (BST in summer; the
// zone is named as UK clocks name it, in both languages).
function dateTime(date) {
  const zone = new Intl.DateTimeFormat("en-GB", { timeZoneName: "short" })
    .formatToParts(date)
    .find((x) => x.type === "timeZoneName");
  const when = `${date.getDate()} ${months()[date.getMonth()]} ${date.getFullYear()}, ${clock(date)}`;
  return zone ? `${when} ${zone.value}` : when;
}

// A date typed as YYYY-MM-DD prints as "30 November 2026"; anything else as typed.
function day(value) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec((value || "").trim());
  return m ? `${+m[3]} ${months()[+m[2] - 1]} ${m[1]}` : (value || "").trim();
}

// -- following the review ------------------------------------------------------

// The question a step asks: its last bold phrase ending in "?"; without one,
// its last bold phrase (a heading). The same rule as app/schools/record.py.
function questionOf(divs) {
  const bold = divs.flatMap((d) => [...d.querySelectorAll("strong")].map((s) => s.textContent.trim()));
  const asked = bold.filter((b) => b.endsWith("?"));
  if (asked.length) return asked[asked.length - 1];
  return bold.length ? bold[bold.length - 1].replace(/\.$/, "") : null;
}

function noteBox(state, rec, after) {
  const words = $("dsl-record").dataset;
  const wrap = document.createElement("div");
  wrap.className = "record-note";
  const id = `record-note-${state}-${Date.now()}`;
  const label = document.createElement("label");
  label.htmlFor = id;
  label.textContent = words.noteLabel;
  const box = document.createElement("textarea");
  box.id = id;
  box.rows = 3;
  box.value = rec.notes[state] || "";
  box.addEventListener("input", () => {
    const now = load();
    now.notes[state] = box.value;
    save(now);
  });
  wrap.append(label, box);
  after.after(wrap);
}

// Every turn drawn: `divs` are its messages as shown.
export function onTurn(turn, divs) {
  const fields = $("record-fields");
  if (fields) fields.hidden = !(turn.print === "record" && turn.flow === FLOW);
  $("dsl-record")?.classList.remove("filled"); // the server's copy was for an earlier step
  document.querySelectorAll(".record-note").forEach((n) => n.remove());
  const rec = load();
  if (turn.flow !== FLOW) {
    shown = null;
    if (rec.live) save({ ...rec, live: false }); // a review begun again later starts afresh
    return;
  }
  if (turn.crisis) return; // Help now sits on top of the step; the step is unchanged
  if (!rec.live) Object.assign(rec, blank(), { live: true });
  const at = rec.trail.indexOf(turn.state);
  if (at >= 0) rec.trail = rec.trail.slice(0, at + 1); // Back, or "start again" within the review
  else rec.trail.push(turn.state);
  const own = turn.options.filter((o) => !o.global);
  const note = own.some((o) => o.id === NOTE);
  shown = {
    state: turn.state,
    question: questionOf(divs),
    labels: Object.fromEntries(own.map((o) => [o.id, o.label])),
    // The appendix: the outcome's advice, less the chat's "anything else?" prompt.
    advice: turn.print === "record" ? turn.messages.filter((m) => !m.id.endsWith(".anything_else")).map((m) => m.html) : null,
  };
  if (note && shown.question && divs.length) noteBox(turn.state, rec, divs[divs.length - 1]);
  for (const input of document.querySelectorAll("#record-fields [data-field]")) {
    input.value = rec.fields[input.dataset.field] || "";
    input.oninput = () => {
      const now = load();
      now.fields[input.dataset.field] = input.value;
      save(now);
    };
  }
  save(rec);
}

// An option chosen at the step on screen (before it is sent).
export function onChoice(id) {
  if (!shown || !shown.question || id === INFORM || !(id in shown.labels)) return;
  const rec = load();
  const answer = id === NOTE ? null : shown.labels[id];
  const now = new Date().toISOString();
  const before = rec.answers[shown.state];
  if (!before) {
    rec.answers[shown.state] = { question: shown.question, answer, at: now, changes: [] };
  } else if (before.answer !== answer) {
    before.changes.push({ from: before.answer, to: answer, at: now });
    before.answer = answer;
  }
  save(rec);
}

// -- printing --------------------------------------------------------------------

function slot(root, name) {
  return root.querySelector(`[data-slot="${name}"]`);
}

function answerText(entry, rec, state) {
  return entry.answer ?? (rec.notes[state] || "").trim();
}

// Fills the record layout for the step on screen and marks it for printing.
// False when this is not a review outcome (the caller prints as usual).
export function buildRecord() {
  const section = $("dsl-record");
  const layout = $("dsl-record-layout");
  if (!section || !layout || !shown || !shown.advice) return false;
  const words = section.dataset;
  const rec = load();
  section.replaceChildren(layout.content.cloneNode(true));
  slot(section, "made").textContent = words.made.replace("%(when)s", dateTime(new Date()));
  for (const name of ["completed_by", "pupil", "referred_to", "parents_told", "actions"]) {
    slot(section, name).textContent = (rec.fields[name] || "").trim();
  }
  slot(section, "incident_date").textContent = day(rec.fields.incident_date);
  slot(section, "review_date").textContent = day(rec.fields.review_date);
  const steps = rec.trail.slice(0, -1).filter((s) => rec.answers[s]);
  slot(section, "nation").textContent = rec.answers[START]?.answer || "";
  slot(section, "decision").textContent = JSON.parse(words.decisions)[shown.state] || "";
  const last = steps[steps.length - 1];
  const refer = shown.state.startsWith("refer_now");
  slot(section, "reason").textContent = !refer
    ? words.noReason
    : last
      ? `${rec.answers[last].question} ${words.answer} ${answerText(rec.answers[last], rec, last)}`
      : "";
  const list = slot(section, "answers");
  for (const state of steps) {
    const entry = rec.answers[state];
    const li = document.createElement("li");
    const q = document.createElement("span");
    q.className = "q";
    q.textContent = entry.question;
    const a = document.createElement("span");
    a.className = entry.answer === null ? "a note" : "a";
    a.textContent = answerText(entry, rec, state);
    const t = document.createElement("span");
    t.className = "t";
    t.textContent = clock(new Date(entry.at));
    li.append(t, q, " ", a);
    for (const c of entry.changes) {
      const change = document.createElement("span");
      change.className = "c";
      change.textContent = words.changed
        .replace("%(from)s", c.from ?? "—")
        .replace("%(to)s", c.to ?? "—")
        .replace("%(time)s", clock(new Date(c.at)));
      li.append(" ", change);
    }
    list.append(li);
  }
  const advice = slot(section, "advice");
  for (const html of shown.advice) {
    const div = document.createElement("div");
    div.className = "advice";
    div.innerHTML = html; // our own rendered Markdown: raw HTML is refused at load
    advice.append(div);
  }
  section.classList.add("filled");
  document.body.classList.remove("has-print-view"); // the chat's printout steps aside
  return true;
}
