// Bundles every top-level file in app/static/src/ (the page entry points and
// web workers) into app/static/build/. Modules in sub-folders are imported by
// those entries. Output is not committed; `make build` runs this.
import { build } from "esbuild";
import { readdirSync } from "node:fs";

const src = "app/static/src";
const entries = readdirSync(src)
  .filter((name) => name.endsWith(".js"))
  .map((name) => `${src}/${name}`);

await build({
  entryPoints: entries,
  bundle: true,
  format: "esm",
  target: ["es2020"],
  minify: true,
  sourcemap: false,
  outdir: "app/static/build",
  logLevel: "warning",
});

// Long-lived caching: each bundle is also written under a content-hashed name
// (chat.3f2a9c1b.js), with brotli and gzip copies beside it, and
// manifest.json maps stable names to hashed ones for the asset() template
// helper. The stable names above stay: workers and tests load them by URL
// (a worker that spawns itself uses self.location, so either name works).
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync, unlinkSync } from "node:fs";
import { brotliCompressSync, gzipSync, constants as zlib } from "node:zlib";

const out = "app/static/build";
const hashed = /\.[0-9a-f]{10}\.js(\.br|\.gz)?$/;
for (const name of readdirSync(out)) {
  if (hashed.test(name)) unlinkSync(`${out}/${name}`);
}
const manifest = {};
for (const name of readdirSync(out).filter((n) => n.endsWith(".js")).sort()) {
  const body = readFileSync(`${out}/${name}`);
  const digest = createHash("sha256").update(body).digest("hex").slice(0, 10);
  const target = name.replace(/\.js$/, `.${digest}.js`);
  writeFileSync(`${out}/${target}`, body);
  writeFileSync(`${out}/${target}.gz`, gzipSync(body, { level: 9 }));
  writeFileSync(`${out}/${target}.br`, brotliCompressSync(body, {
    params: { [zlib.BROTLI_PARAM_QUALITY]: body.length < 512 * 1024 ? 11 : 9, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length },
  }));
  manifest[name] = target;
}
writeFileSync(`${out}/manifest.json`, JSON.stringify(manifest, null, 2) + "\n");
