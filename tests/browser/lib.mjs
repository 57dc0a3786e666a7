// Helpers of the browser tests: start the real `portvagt serve` on a free loopback port
// with a fresh data folder, run its CLI, call its API, compute TOTP codes, log in
// through the pages, check accessibility with axe-core, save screenshots.

import { spawn, execFileSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { before, after } from "node:test";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
export const root = join(here, "..", "..");
export const BIN = process.env.PORTVAGT_BIN || join(root, "target", "debug", "portvagt");
export const SCREENSHOTS = process.env.PORTVAGT_SCREENSHOTS || join(root, "target", "screenshots");
export const PASSWORD = "Portvagt2026Sikker";

/** A running Portvagt with its own data folder; `stop()` ends it and removes the folder. */
export async function startPortvagt({ preset = "taarnby", env = {}, listen = "127.0.0.1:0" } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "portvagt-browser-"));
  const fullEnv = {
    ...process.env,
    PORTVAGT_DATA_DIR: join(dir, "data"),
    PORTVAGT_PRESET: preset,
    PORTVAGT_LOG: "warn",
    // The tests log many users in from one address within seconds.
    PORTVAGT_LIMITS: "{login={per_minute=6000,burst=1000}}",
    LANG: "en_US.UTF-8",
    ...env,
  };
  const child = spawn(BIN, ["serve", "--demo", "--listen", listen], { env: fullEnv, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stderr.on("data", (d) => (err += d));
  const base = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`portvagt did not start:\n${out}\n${err}`)), 60000);
    child.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/http:\/\/127\.0\.0\.1:\d+/);
      if (m) {
        clearTimeout(timer);
        resolve(m[0]);
      }
    });
    child.on("exit", (code) => reject(new Error(`portvagt exited with ${code}:\n${out}\n${err}`)));
  });
  const cli = (...args) => execFileSync(BIN, args, { env: fullEnv, encoding: "utf8" }).trim();
  const admin = cli("create-token", "--name", "browser tests", "--role", "administrator");
  const stop = async () => {
    child.kill("SIGTERM");
    await new Promise((r) => (child.exitCode !== null ? r() : child.on("exit", r)));
    rmSync(dir, { recursive: true, force: true });
  };
  return { base, cli, admin, stop, stderr: () => err };
}

/** A test file's Portvagt (the demo set, `preset`) and browser, started before its
 * tests and stopped after them: `{ pv, browser }` once `before` has run. */
export function demoSuite(preset = "taarnby") {
  const suite = {};
  before(async () => {
    suite.pv = await startPortvagt({ preset });
    suite.browser = await launch();
  });
  after(async () => {
    await suite.browser?.close();
    await suite.pv?.stop();
  });
  return suite;
}

/** A user of the pages made with the CLI, as an administrator would: its username and
 * one-time password (the display name is the username unless `--display-name` follows). */
export function createUser(pv, username, ...args) {
  const named = args.includes("--display-name") ? [] : ["--display-name", username];
  return { username, password: pv.cli("create-user", "--username", username, ...named, ...args) };
}

/** Calls the JSON API with the administrator's token, or another (an auditor's reads
 * the log: the administrator does not). */
export async function api(pv, method, path, body, token = pv.admin) {
  const res = await fetch(pv.base + path, {
    method,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", "Accept-Language": "en" },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

function base32(s) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of s.replace(/=+$/, "").toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** RFC 6238: the current six-digit code of a base32 secret (SHA-1, 30 s). */
export function totp(secret, at = Date.now()) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)));
  const h = createHmac("sha1", base32(secret)).update(counter).digest();
  const o = h[h.length - 1] & 0xf;
  const n = ((h[o] & 0x7f) << 24) | (h[o + 1] << 16) | (h[o + 2] << 8) | h[o + 3];
  return String(n % 1_000_000).padStart(6, "0");
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}

/** A code for a time step the user has not used yet: Portvagt accepts each code once,
 * so a second login within the same 30 s waits for the next step. */
export async function freshCode(user) {
  let step = Math.floor(Date.now() / 30000);
  if (user.lastStep !== undefined && step <= user.lastStep) {
    await new Promise((r) => setTimeout(r, (user.lastStep + 1) * 30000 - Date.now() + 200));
    step = Math.floor(Date.now() / 30000);
  }
  user.lastStep = step;
  return totp(user.secret, step * 30000 + 1000);
}

let totpSetupChecked = false;

/** Logs a user in through the pages: one-time password → own password → TOTP set-up or
 * code. `user.secret` keeps the TOTP secret between logins. */
export async function login(page, pv, user) {
  await page.goto(pv.base + "/login");
  await page.fill("#username", user.username);
  await page.fill("#password", user.changed ? PASSWORD : user.password);
  await page.click("form[action='/login'] button[type=submit]");
  if (page.url().endsWith("/login/password")) {
    await page.fill("#new_password", PASSWORD);
    await page.fill("#repeat_password", PASSWORD);
    await page.click("form[action='/login/password'] button[type=submit]");
    user.changed = true;
  }
  if (page.url().endsWith("/login/totp-setup")) {
    assert.ok(await page.isVisible(".pv-qr svg"), "the key as a QR code for the app's camera");
    user.secret = (await page.textContent("#totp-secret")).trim();
    if (!totpSetupChecked) {
      totpSetupChecked = true;
      await screenshot(page, "totp-setup");
      await checkAccessibility(page, "TOTP set-up");
      // The QR code, read back from the screenshot, is the key the page shows.
      const uri = execFileSync("zbarimg", ["-q", "--raw", join(SCREENSHOTS, "totp-setup.png")], { stdio: ["ignore", "pipe", "ignore"] }).toString().trim();
      assert.match(uri, new RegExp(`^otpauth://totp/Portvagt:.*[?&]secret=${user.secret}(&|$)`));
    }
    await page.fill("#code", await freshCode(user));
    await page.click("form[action='/login/totp-setup'] button[type=submit]");
  } else if (page.url().endsWith("/login/totp")) {
    await page.fill("#code", await freshCode(user));
    await page.click("form[action='/login/totp'] button[type=submit]");
  }
  assert.ok(!page.url().includes("/login"), `still on ${page.url()}: ${await page.textContent("main")}`);
}

export async function logout(page) {
  await page.click("form[action='/logout'] button");
  assert.ok(page.url().includes("/login"));
  assert.equal(await page.locator("#login-notice").count(), 1, "the login page says the user is signed out");
}

/** WCAG 2.1 AA by axe-core: no serious or critical violation on the page. */
export async function checkAccessibility(page, name) {
  // Evaluated through the DevTools protocol, which the page's strict CSP does not cover.
  await page.evaluate(readFileSync(join(here, "node_modules", "axe-core", "axe.min.js"), "utf8"));
  const result = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } }),
  );
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(
    bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")})`),
    [],
    `accessibility of ${name}`,
  );
}

export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

export function isoDate(daysAhead) {
  const d = new Date(Date.now() + daysAhead * 86400000);
  return d.toISOString().slice(0, 10);
}

/** A free loopback port (bound and released at once). */
export async function freePort() {
  const net = await import("node:net");
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}
