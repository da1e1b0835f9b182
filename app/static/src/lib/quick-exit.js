// Quick exit, the GOV.UK "Exit this page" pattern: the button, or Shift
// pressed three times within a second and a half. It blanks the page at once,
// forgets the conversation and replaces this history entry, so Back does not
// return here.
const SHIFT_WINDOW_MS = 1500;

export function quickExit(url) {
  try {
    sessionStorage.clear();
  } catch {
    // storage may be blocked; leaving matters more
  }
  document.title = "";
  document.body.replaceChildren();
  window.location.replace(url);
}

// Shift three times is only worth mentioning where there is a keyboard (not
// on a phone) and this script is running; otherwise the page says "press Exit".
function showKeyTip() {
  const keys = document.querySelector(".exit-tip-keys");
  if (!keys || !window.matchMedia("(hover: hover) and (pointer: fine)").matches) return;
  keys.hidden = false;
  document.querySelector(".exit-tip")?.remove();
}

export function installQuickExit() {
  showKeyTip();
  const link = document.getElementById("quick-exit");
  if (!link) return;
  const url = link.href;
  link.addEventListener("click", (event) => {
    event.preventDefault();
    quickExit(url);
  });
  let presses = [];
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Shift") {
      presses = []; // Shift used for capitals is not a request to leave
      return;
    }
    if (event.repeat) return;
    const now = Date.now();
    presses = presses.filter((t) => now - t < SHIFT_WINDOW_MS);
    presses.push(now);
    if (presses.length >= 3) quickExit(url);
  });
}
