// The book as readers meet it: every page of the built book, opened in a real browser
// (headless Chromium, driven by Playwright), at a desktop width and a phone width.
//
//   node check.mjs [BOOK_DIR]      (default: ../../book/build, which `cargo course book` writes)
//
// It fails (exit code 1) and says which page and what, if
// - a page logs a console error or throws,
// - a request of a page fails (a missing image, script or style),
// - an image does not load,
// - at 400 px, anything makes the page body scroll sideways (a wide table, a picture),
// - at 1280 px, a table is wider than the text column (at 400 px that is only a note),
// - searching for a word that only chapter 05 uses finds no chapter 05 page,
// - a request leaves the machine (the book must work offline),
// - a chapter's quiz, answered wrongly and then rightly, does not say so, or does not
//   show why and where to read again.
// It also saves screenshots of a few pages at both widths into screenshots/, to look at.
//
// The browser: $CHROME if set, else the first of the usual places that exists
// (Debian's chromium, Google Chrome as on GitHub's ubuntu-latest).

import { chromium } from "playwright-core";
import { createServer } from "node:http";
import { existsSync, readFileSync, readdirSync, statSync, mkdirSync } from "node:fs";
import { extname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const bookDir = resolve(process.argv[2] ?? join(here, "../../book/build"));
const WIDTHS = [
  { name: "desktop", width: 1280, height: 900 },
  { name: "phone", width: 400, height: 800 },
];
// A word that only chapter 05 uses, as a reader would type it into the search box.
const SEARCH_WORD = "corosensei";
// A chapter's quiz, answered as a reader would.
const QUIZ = "ch06-futures/quiz.html";
const SCREENSHOTS = ["introduction.html", "ch02-threads/lab.html", "ch04-processes/lab.html",
  "ch05-green/lab.html", "ch05-green/switch.html"];

if (!existsSync(join(bookDir, "index.html"))) {
  console.error(`no built book in ${bookDir}: run \`cargo course book\` first, or pass its folder`);
  process.exit(2);
}

function browserPath() {
  const candidates = [process.env.CHROME, "/usr/bin/chromium", "/usr/bin/chromium-browser",
    "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable"].filter(Boolean);
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    console.error(`no browser found (tried ${candidates.join(", ")}): install chromium or set CHROME`);
    process.exit(2);
  }
  return found;
}

// The pages of the book: every HTML file but the ones mdBook writes for itself.
function pages(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (!["css", "fonts", "FontAwesome"].includes(name)) out.push(...pages(path));
    } else if (name.endsWith(".html") && !["404.html", "print.html", "toc.html"].includes(name)) {
      out.push(relative(bookDir, path).split(sep).join("/"));
    }
  }
  return out.sort();
}

// A static file server on loopback: pages are checked over HTTP, as a reader gets them.
const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css",
  ".svg": "image/svg+xml", ".png": "image/png", ".woff2": "font/woff2", ".woff": "font/woff",
  ".ttf": "font/ttf", ".json": "application/json" };
const server = createServer((req, res) => {
  const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
  let file = resolve(bookDir, "." + path);
  if (file.startsWith(bookDir) && existsSync(file) && statSync(file).isDirectory()) {
    file = join(file, "index.html");
  }
  if (!file.startsWith(bookDir) || !existsSync(file)) {
    res.writeHead(404).end("not found");
    return;
  }
  res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
  res.end(readFileSync(file));
});
await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
const base = `http://127.0.0.1:${server.address().port}/`;

const problems = [];
const notes = [];
const browser = await chromium.launch({
  executablePath: browserPath(),
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});
const shots = join(here, "screenshots");
mkdirSync(shots, { recursive: true });

try {
  const all = pages(bookDir);
  for (const size of WIDTHS) {
    const context = await browser.newContext({ viewport: { width: size.width, height: size.height } });
    const page = await context.newPage();
    let current = "";
    page.on("console", (msg) => {
      if (msg.type() === "error") problems.push(`${current} (${size.name}): console error: ${msg.text()}`);
    });
    page.on("pageerror", (err) => problems.push(`${current} (${size.name}): script error: ${err.message}`));
    page.on("requestfailed", (req) => {
      // Aborted: the next page was opened before a late request (the favicon) finished.
      // A file that is really missing answers 404, which the next handler reports.
      const error = req.failure()?.errorText ?? "";
      if (error !== "net::ERR_ABORTED") problems.push(`${current} (${size.name}): ${req.url()} failed: ${error}`);
    });
    page.on("request", (req) => {
      const url = new URL(req.url());
      if (!["127.0.0.1", ""].includes(url.hostname) && !["data:", "blob:"].includes(url.protocol)) {
        problems.push(`${current} (${size.name}): a request leaves the machine: ${req.url()}`);
      }
    });
    page.on("response", (res) => {
      if (res.status() >= 400) problems.push(`${current} (${size.name}): ${res.url()} answered ${res.status()}`);
    });
    for (const path of all) {
      current = path;
      await page.goto(base + path, { waitUntil: "load" });
      // Every image loaded (and drew something).
      const broken = await page.$$eval("img", (imgs) =>
        imgs.filter((i) => !i.complete || i.naturalWidth === 0).map((i) => i.getAttribute("src")));
      for (const src of broken) problems.push(`${path} (${size.name}): the image ${src} did not load`);
      // Nothing makes the page body scroll sideways (code blocks and tables may scroll
      // inside their own box; the page itself must not).
      if (size.width <= 400) {
        const { scroll, client, culprit } = await page.evaluate(() => {
          const root = document.scrollingElement;
          const width = root.clientWidth;
          let culprit = "";
          for (const el of document.querySelectorAll("main *")) {
            const r = el.getBoundingClientRect();
            if (r.right > width + 1 && getComputedStyle(el).position !== "fixed") {
              culprit = `<${el.tagName.toLowerCase()}${el.className ? ` class="${el.className}"` : ""}>`;
              break;
            }
          }
          return { scroll: root.scrollWidth, client: width, culprit };
        });
        if (scroll > client + 1) {
          problems.push(`${path} (${size.name}): the page is ${scroll} px wide in a ${client} px window ` +
            `(it scrolls sideways; first too wide: ${culprit || "?"})`);
        }
      }
      // Tables fit the column on a desktop (on a phone they may scroll in their own box).
      const wide = await page.$$eval("main table", (tables) =>
        tables.filter((t) => t.scrollWidth > t.parentElement.clientWidth + 1)
          .map((t) => t.querySelector("th")?.textContent ?? "?"));
      for (const first of wide) {
        const where = `${path} (${size.name}): the table whose first column is "${first}" is wider than the page's column`;
        if (size.width > 400) problems.push(where);
        else notes.push(where);
      }
      if (SCREENSHOTS.includes(path)) {
        const name = `${path.replace(/\//g, "_").replace(/\.html$/, "")}-${size.width}.png`;
        await page.screenshot({ path: join(shots, name) });
        // And the first picture, as the reader sees it at this width.
        const figure = page.locator("main img").first();
        if ((await figure.count()) > 0) {
          await figure.scrollIntoViewIfNeeded();
          await page.screenshot({ path: join(shots, name.replace(/\.png$/, "-figure.png")) });
        }
      }
    }

    // Search, as a reader uses it: open the search bar, type, read the results.
    current = `search for "${SEARCH_WORD}"`;
    await page.goto(base + "index.html", { waitUntil: "load" });
    await page.click("#mdbook-search-toggle");
    // Typed key by key: mdBook searches on `keyup`, as a reader types.
    await page.locator("#mdbook-searchbar").pressSequentially(SEARCH_WORD);
    const links = await page
      .waitForFunction(() => {
        const found = [...document.querySelectorAll("#mdbook-searchresults a")].map((a) => a.getAttribute("href"));
        return found.length > 0 ? found : null;
      }, null, { timeout: 10_000 })
      .then((handle) => handle.jsonValue())
      .catch(() => []);
    if (!links.some((href) => href.includes("ch05-green/"))) {
      problems.push(`${current} (${size.name}): no chapter 05 page among the results (${links.length} results: ${links.join(", ")})`);
    } else {
      console.log(`search (${size.name}): "${SEARCH_WORD}" finds ${links.length} sections, chapter 05 among them`);
    }
    await page.screenshot({ path: join(shots, `search-${size.width}.png`) });

    // A quiz, as a reader answers it: the first question, wrong and then right.
    current = QUIZ;
    await page.goto(base + QUIZ, { waitUntil: "load" });
    const question = page.locator(".quiz-question").first();
    const result = question.locator(".quiz-result");
    await question.locator(".quiz-choice[data-correct=false] input").first().check();
    await question.locator(".quiz-check").click();
    const wrong = await result.textContent();
    const whys = await question.locator(".quiz-why:visible").count();
    const readAgain = await question.locator(".quiz-read a:visible").getAttribute("href").catch(() => null);
    if (!wrong.startsWith("Not quite") || whys === 0 || !readAgain) {
      problems.push(`${QUIZ} (${size.name}): a wrong answer showed "${wrong}", ${whys} reasons, ` +
        `and ${readAgain ? `a link to ${readAgain}` : "no link to read again"}`);
    }
    await page.screenshot({ path: join(shots, `quiz-wrong-${size.width}.png`) });
    for (const choice of await question.locator(".quiz-choice").all()) {
      await choice.locator("input").setChecked((await choice.getAttribute("data-correct")) === "true");
    }
    await question.locator(".quiz-check").click();
    const right = await result.textContent();
    if (right !== "Right.") problems.push(`${QUIZ} (${size.name}): the right answer showed "${right}"`);
    else console.log(`quiz (${size.name}): a wrong answer is explained and linked (${readAgain}), the right one is "Right."`);
    await context.close();
    console.log(`${size.name} (${size.width} px): ${all.length} pages opened`);
  }
  // The pictures in a dark theme, to look at: mdBook keeps the reader's theme in
  // localStorage, so set it before the page's scripts run.
  const dark = await browser.newContext({ viewport: { width: 400, height: 800 } });
  await dark.addInitScript(() => localStorage.setItem("mdbook-theme", "coal"));
  const page = await dark.newPage();
  for (const path of ["ch05-green/lab.html", "ch03-gil/switch-interval.html"]) {
    await page.goto(base + path, { waitUntil: "load" });
    await page.locator("main img").first().scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shots, `${path.replace(/\//g, "_").replace(/\.html$/, "")}-400-coal.png`) });
  }
  await dark.close();
} finally {
  await browser.close();
  server.close();
}

if (notes.length > 0) {
  console.log(`\nNotes (not failures):\n- ${notes.join("\n- ")}`);
}
if (problems.length > 0) {
  console.error(`\nThe book has ${problems.length} problem(s) in the browser:\n- ${problems.join("\n- ")}`);
  process.exit(1);
}
console.log(`No console errors, every image loaded, no page scrolls sideways at 400 px, no request left the machine, search and the quiz work. Screenshots: ${shots}`);
