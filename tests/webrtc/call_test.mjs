// Drives two headless Chromium pages (Debian's /usr/bin/chromium through
// playwright-core) through one call: Alice calls Bob with Parley's frames,
// relay-only ICE through coturn. Succeeds (exit 0) when both reach
// connectionState "connected" over a relay-relay pair and receive audio.
// Environment: PARLEY_BASE (http://127.0.0.1:PORT), ALICE_TOKEN, BOB_TOKEN, BOB_ID.
import { chromium } from "playwright-core";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const { PARLEY_BASE: base, ALICE_TOKEN, BOB_TOKEN, BOB_ID } = process.env;
const flags = [
  "--headless", "--no-sandbox", "--use-fake-ui-for-media-stream",
  "--use-fake-device-for-media-stream", "--allow-loopback-in-peer-connection",
  "--autoplay-policy=no-user-gesture-required",
];

function check(ok, what) {
  if (!ok) throw new Error(what);
}

async function openPage(browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on("console", (m) => console.error(`[page] ${m.text()}`));
  await page.goto(base + "/"); // parleyd's own origin: a secure context on 127.0.0.1
  await page.setContent('<!doctype html><audio id="remote" autoplay></audio>');
  await page.addScriptTag({ path: path.join(here, "call_page.js") });
  return page;
}

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: flags,
                                        timeout: 30000 });
try {
  const [alice, bob] = [await openPage(browser), await openPage(browser)];
  await Promise.all([alice.evaluate((t) => parley.setup(t), ALICE_TOKEN),
                     bob.evaluate((t) => parley.setup(t), BOB_TOKEN)]);
  const answered = bob.evaluate(() => parley.answerNext());
  const callId = await alice.evaluate((id) => parley.call(id), BOB_ID);
  check((await answered) === callId, "Bob answered another call");
  await Promise.all([alice.evaluate(() => parley.connected()),
                     bob.evaluate(() => parley.connected())]);
  await new Promise((ok) => setTimeout(ok, 2000)); // audio flows
  const stats = { alice: await alice.evaluate(() => parley.stats()),
                  bob: await bob.evaluate(() => parley.stats()) };
  console.log(JSON.stringify({ callId, ...stats }));
  for (const [who, s] of Object.entries(stats)) {
    check(s.packetsReceived > 0, `${who} received no audio`);
    check(s.local === "relay" && s.remote === "relay", `${who} is not on a relay-relay pair`);
  }
  await alice.evaluate(() => parley.hangUp());
  check((await bob.evaluate(() => parley.ended())) === "hangup", "Bob was not told hangup");
} finally {
  await browser.close();
}
