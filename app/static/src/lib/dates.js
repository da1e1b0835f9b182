// British dates with the time zone: "30 November 2026, 10:42 GMT", in the
// page's language ("30 Tachwedd 2026, 10:42 GMT"). The month names come from
// the page (<html data-months>, from the server's CLDR data), because
// browsers' own data lacks some languages and would fall back to US order.
function months() {
  const names = (document.documentElement.dataset.months || "").split(",");
  return names.length === 12 ? names : null;
}

function day(when, timeZone) {
  const parts = {};
  for (const p of new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "numeric", year: "numeric", timeZone })
    .formatToParts(when)) {
    parts[p.type] = p.value;
  }
  const names = months();
  const month = names
    ? names[Number(parts.month) - 1]
    : new Intl.DateTimeFormat("en-GB", { month: "long", timeZone }).format(when);
  return `${parts.day} ${month} ${parts.year}`;
}

export function britishDate(when) {
  const time = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", timeZoneName: "short" })
    .formatToParts(when)
    .filter((p) => p.type !== "literal" || p.value === ":")
    .map((p) => (p.type === "timeZoneName" ? ` ${p.value}` : p.value))
    .join("");
  return `${day(when)}, ${time}`;
}

// A day given as "2026-11-30" (no time): "30 November 2026".
export function britishDay(isoDay) {
  const when = new Date(`${isoDay}T12:00:00Z`);
  return Number.isNaN(when.getTime()) ? isoDay : day(when, "UTC");
}
