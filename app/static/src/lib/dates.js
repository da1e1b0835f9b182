// British dates with the time zone, in the page's language:
// "30 November 2026, 10:42 GMT" (Welsh: "30 Tachwedd 2026, 10:42 GMT").
export function britishDate(when, lang = document.documentElement.lang || "en") {
  const locale = lang === "en" ? "en-GB" : `${lang}-GB`;
  const date = new Intl.DateTimeFormat(locale, { day: "numeric", month: "long", year: "numeric" }).format(when);
  const time = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", timeZoneName: "short" })
    .formatToParts(when)
    .filter((p) => p.type !== "literal" || p.value === ":")
    .map((p) => (p.type === "timeZoneName" ? ` ${p.value}` : p.value))
    .join("");
  return `${date}, ${time}`;
}

// A day given as "2026-11-30" (no time): "30 November 2026".
export function britishDay(isoDay, lang = document.documentElement.lang || "en") {
  const when = new Date(`${isoDay}T12:00:00Z`);
  if (Number.isNaN(when.getTime())) return isoDay;
  const locale = lang === "en" ? "en-GB" : `${lang}-GB`;
  return new Intl.DateTimeFormat(locale, { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" }).format(when);
}
