// Drives the explorer page (diffusion explore) in Debian's headless Chromium through playwright-core, and checks what
// a reader sees against values the C# side exported: ᾱ_t, √ᾱ_t, √(1 − ᾱ_t) and the SNR against `diffusion schedule
// --format csv`, the pixels of x_0 against the MNIST bytes, the image at t = 0 and the oracle chain's last frame
// against x_0. No browser is downloaded: the executable is /usr/bin/chromium (apt-get install chromium).
//
//   node explore.test.mjs EXPECTATIONS.json SCREENSHOT_DIR
//
// EXPECTATIONS.json: { "page": path, "schedules": [{ "steps": T, "csv": path }], "digits": [{ "name", "bytes": [...] }] }
// Exits 0 when every check passes; otherwise prints the failures and exits 1.
import { chromium } from "playwright-core";
import { mkdtempSync, readFileSync, rmSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [expectationsPath, screenshotDir] = process.argv.slice(2);
if (!expectationsPath || !screenshotDir) {
  console.error("usage: node explore.test.mjs EXPECTATIONS.json SCREENSHOT_DIR");
  process.exit(2);
}
const expectations = JSON.parse(readFileSync(expectationsPath, "utf8"));
mkdirSync(screenshotDir, { recursive: true });

const failures = [];
let checks = 0;
const check = (condition, message) => { checks++; if (!condition) failures.push(message); };

// The CSV of `diffusion schedule --format csv`: a row per t = 1..T, every column at 17 significant digits.
const readSchedule = (path) => {
  const [header, ...lines] = readFileSync(path, "utf8").trim().split("\n");
  const columns = header.split(",");
  const rows = new Map();
  for (const line of lines) {
    const cells = line.split(",");
    const row = Object.fromEntries(columns.map((c, i) => [c, cells[i]]));
    rows.set(Number(row.t), row);
  }
  return rows;
};
const schedules = expectations.schedules.map((s) => ({ steps: s.steps, rows: readSchedule(s.csv) }));

// A printed number equals the exported one to the printed precision: the export rounded to as many significant
// digits as the page shows is the printed value.
const significantDigits = (text) => text.replace(/e.*$/i, "").replace(/^[-+]?0*\.?0*/, "").replace(".", "").length;
const samePrinted = (printed, exported) => {
  if (printed === "∞") return exported === Infinity;
  const digits = Math.max(1, significantDigits(printed));
  return Number(printed) === Number(Number(exported).toPrecision(digits));
};

const userDataDir = mkdtempSync(join(tmpdir(), "diffusion-explore-chromium-"));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run"],
  viewport: { width: 1280, height: 800 },
});
try {
  const page = context.pages()[0] ?? await context.newPage();
  const pageErrors = [];
  const foreignRequests = [];
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") pageErrors.push(m.text()); });
  page.on("request", (r) => { if (!/^(file|data):/.test(r.url())) foreignRequests.push(r.url()); });

  await page.goto(pathToFileURL(resolve(expectations.page)).href);
  await page.waitForSelector("body[data-ready=true]", { timeout: 20000 });

  const text = (selector) => page.locator(selector).innerText();
  // The gray levels of a canvas (R of each pixel; the page draws R = G = B), read back from the browser.
  const pixels = (id) => page.evaluate((canvasId) => {
    const canvas = document.getElementById(canvasId);
    const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    const gray = [];
    for (let i = 0; i < data.length; i += 4) gray.push(data[i]);
    return gray;
  }, id);
  const same = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);
  const currentT = async () => Number((await text("#t-value")).match(/t = (\d+)/)[1]);
  const slider = page.locator("#t");

  const checkReadout = async (view, where) => {
    const t = await currentT();
    const printed = {
      alpha_bar: await text("#alpha-bar"),
      sqrt_alpha_bar: await text("#sqrt-alpha-bar"),
      sqrt_one_minus_alpha_bar: await text("#sqrt-one-minus-alpha-bar"),
      snr: await text("#snr"),
    };
    // t = 0 is the data: ᾱ_0 = 1 and no noise (the CSV starts at t = 1).
    const row = t === 0 ? { alpha_bar: 1, sqrt_alpha_bar: 1, sqrt_one_minus_alpha_bar: 0, snr: Infinity } : schedules[view].rows.get(t);
    check(row !== undefined, `${where}: t = ${t} is not a step of the exported schedule with T = ${schedules[view].steps}`);
    if (!row) return t;
    for (const [column, shown] of Object.entries(printed))
      check(samePrinted(shown, row[column]), `${where}: t = ${t}: the page prints ${column} = ${shown}, the schedule's CSV has ${row[column]}`);
    return t;
  };

  // The chain from the current x_t starts at x_t and its last frame is x_0.
  const checkChain = async (digitBytes, where) => {
    const t = await currentT();
    const chainFrame = page.locator("#chain-frame");
    await chainFrame.focus();
    await page.keyboard.press("Home");
    check(same(await pixels("chain"), await pixels("xt")), `${where}: t = ${t}: the oracle chain's first frame is not the x_t shown`);
    await page.keyboard.press("End");
    check(/s = 0\b/.test(await text("#chain-frame-value")), `${where}: t = ${t}: the chain's last frame is not s = 0`);
    check(same(await pixels("chain"), digitBytes), `${where}: t = ${t}: the oracle chain's last frame is not x_0`);
  };

  for (const [d, digit] of expectations.digits.entries()) {
    await page.selectOption("#digit", String(d));
    check(same(await pixels("x0"), digit.bytes), `digit ${digit.name}: the x_0 shown is not the MNIST digit's bytes`);
    for (const [view, schedule] of schedules.entries()) {
      await page.selectOption("#schedule", String(view));
      const where = `digit ${digit.name}, T = ${schedule.steps}`;
      const positions = Number(await slider.getAttribute("max")) + 1;
      // The keyboard: Home goes to t = 0, each → to the next precomputed step, End to t = T.
      await slider.focus();
      await page.keyboard.press("Home");
      check(await currentT() === 0, `${where}: Home does not go to t = 0`);
      await checkReadout(view, where);
      check(same(await pixels("xt"), digit.bytes), `${where}: the image shown at t = 0 is not x_0`);
      let previous = 0;
      for (let p = 1; p < positions; p++) {
        await slider.focus();
        await page.keyboard.press("ArrowRight");
        const t = await checkReadout(view, where);
        check(t > previous, `${where}: → went from t = ${previous} to t = ${t}`);
        previous = t;
        if (d === 0 || p % 6 === 0) await checkChain(digit.bytes, where);
      }
      check(previous === schedule.steps, `${where}: the slider's last step is t = ${previous}, not T = ${schedule.steps}`);
      await slider.focus();
      await page.keyboard.press("End");
      check(await currentT() === schedule.steps, `${where}: End does not go to t = T`);
      // The mouse's way: set the slider's value directly (as dragging does) and check again.
      await slider.fill(String(Math.floor(positions / 2)));
      await checkReadout(view, where);
      await checkChain(digit.bytes, where);
    }
  }

  // The schedule curves: a marker at the current t on each, and the cosine switch.
  await page.selectOption("#digit", "0");
  await page.selectOption("#schedule", "0");
  await slider.fill("9"); // t = 50 of the seed's T = 200
  const tShown = await currentT();
  check(await page.locator(".chart svg circle").count() === 4, "the four schedule curves do not each have a marker");
  check((await text("#chart-alphaBar-value")).includes(`at t = ${tShown}:`), "the ᾱ curve's readout is not at the current t");
  const linearMarker = await text("#chart-alphaBar-value");
  await page.locator("input[name=curve-kind][value=cosine]").check();
  check((await text("#curves-description")).toLowerCase().includes("cosine"), "the cosine switch does not show the cosine schedule");
  check(await text("#chart-alphaBar-value") !== linearMarker, "the cosine curve's ᾱ at t equals the linear one's");
  await page.locator("input[name=curve-kind][value=linear]").check();

  // The generation view: every run plays to its end, a training digit.
  const runs = await page.locator("#run option").count();
  check(runs >= 4, `the generation view offers ${runs} runs`);
  for (let r = 0; r < runs; r++) {
    await page.selectOption("#run", String(r));
    const frame = page.locator("#run-frame");
    await frame.focus();
    await page.keyboard.press("End");
    check(/t = 0\b/.test(await text("#run-frame-value")), `run ${r}: the last state is not t = 0`);
    check(/training digit \d+/.test(await text("#run-xt-caption")), `run ${r}: the end does not name its training digit`);
    await page.keyboard.press("Home");
    check(!/t = 0\b/.test(await text("#run-frame-value")), `run ${r}: the first state is t = 0`);
  }
  await page.selectOption("#run", String(Math.min(2, runs - 1)));
  await page.locator("#run-frame").fill("20");

  // Accessibility: every slider and select has a label, every image a text alternative.
  const unlabelled = await page.evaluate(() => [...document.querySelectorAll("input, select")]
    .filter((e) => e.type !== "radio" && e.labels.length === 0).map((e) => e.id));
  check(unlabelled.length === 0, `controls without a label: ${unlabelled.join(", ")}`);
  const noAlt = await page.evaluate(() => [...document.querySelectorAll("canvas, svg")]
    .filter((e) => !(e.getAttribute("aria-label") ?? "").trim()).map((e) => e.id));
  check(noAlt.length === 0, `images without a text alternative: ${noAlt.join(", ")}`);

  // Screenshots: the desktop view at t = 50 with the chain half played, and the phone width, which must not scroll sideways.
  await page.selectOption("#schedule", "0");
  await slider.fill("9");
  await page.locator("#chain-frame").fill("5");
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(screenshotDir, "explore-1280x800.png") });
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 0, `at 390 px the page is ${overflow} px wider than the screen`);
  await page.screenshot({ path: join(screenshotDir, "explore-390-full.png"), fullPage: true });
  await page.screenshot({ path: join(screenshotDir, "explore-390x844.png") });

  check(pageErrors.length === 0, `the page reported errors: ${pageErrors.join(" | ")}`);
  check(foreignRequests.length === 0, `the page asked the network for: ${foreignRequests.join(", ")}`);
} finally {
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
}

if (failures.length > 0) {
  console.error(`${failures.length} of ${checks} checks failed:`);
  for (const f of failures.slice(0, 40)) console.error(`  ${f}`);
  process.exit(1);
}
console.log(`explorer page: ${checks} checks passed`);
