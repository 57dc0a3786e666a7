// Ending access and one's own password, through the pages: the administrator ends a
// supplier's user's sessions and the user's next click lands on the login; a user
// changes their own password with the municipality's rules shown first, every mistake
// of the form named at once on its field.
// REQ, AUTH-2, AUTH-4

import { test } from "node:test";
import assert from "node:assert/strict";
import { demoSuite, createUser, api, login, logout, checkAccessibility, screenshot, freshCode, PASSWORD } from "./lib.mjs";

const suite = demoSuite("taarnby");

test("a supplier's user whose sessions the administrator ends is logged out on the next click", async () => {
  const { pv, browser } = suite;
  const waiting = await api(pv, "GET", "/api/v1/requests?state=submitted");
  const supplier = waiting.items[0].supplier_id;
  const orderers = await api(pv, "GET", `/api/v1/orderers?supplier_id=${supplier}`);
  const orderer = createUser(pv, "bestiller.ude", "--role", "supplier_orderer", "--supplier-id", supplier, "--person-id", orderers.items[0].person_id);
  const admin = createUser(pv, "admin.ude", "--role", "administrator");

  // The orderer works on a tablet.
  const tablet = await browser.newContext({ locale: "da-DK", viewport: { width: 820, height: 1180 } });
  const theirs = await tablet.newPage();
  await login(theirs, pv, orderer);
  await theirs.locator("nav.pv-nav").getByRole("link", { name: "Medarbejdere" }).click();
  assert.ok(theirs.url().endsWith("/staff"));

  // The administrator ends the orderer's sessions.
  const desk = await browser.newContext({ locale: "da-DK", viewport: { width: 1280, height: 900 } });
  const page = await desk.newPage();
  await login(page, pv, admin);
  await page.getByRole("link", { name: "Brugere af Portvagt" }).click();
  await page.getByRole("link", { name: "bestiller.ude" }).click();
  assert.match(await page.textContent("main"), /login-tokens til API'et holder op med at virke/, "the page says what ending does");
  await page.locator("summary", { hasText: "Afslut sessioner" }).click();
  await page.getByRole("button", { name: "Afslut sessioner" }).click();
  assert.match(await page.textContent("#page-success"), /sessioner og login-tokens er afsluttet/);
  await screenshot(page, "user-sessions-ended");
  await checkAccessibility(page, "user (sessions ended)");

  // The orderer's next click lands on the login, not on the page asked for.
  await theirs.locator("nav.pv-nav").getByRole("link", { name: "Konti" }).click();
  assert.ok(theirs.url().includes("/login"), `logged out: ${theirs.url()}`);
  assert.equal(await theirs.locator("#username").count(), 1, "the login form");
  assert.match(await theirs.textContent("#login-notice"), /din session udløbet eller blevet afsluttet/, "told why");
  assert.doesNotMatch(theirs.url(), /\?.*\?/, "nothing but the page in the login's address");
  await screenshot(theirs, "session-ended-tablet");
  // Logging in again, second factor and all, ends on the page asked for.
  await theirs.fill("#username", orderer.username);
  await theirs.fill("#password", PASSWORD);
  await theirs.click("form[action='/login'] button[type=submit]");
  assert.ok(theirs.url().endsWith("/login/totp"), theirs.url());
  await theirs.fill("#code", await freshCode(orderer));
  await theirs.click("form[action='/login/totp'] button[type=submit]");
  assert.ok(theirs.url().endsWith("/accounts"), `back on the page asked for: ${theirs.url()}`);
  await tablet.close();
  await desk.close();
});

test("a user changes their own password, the rules shown first and every mistake named at once", async () => {
  const { pv, browser } = suite;
  const auditor = createUser(pv, "revisor.pw", "--role", "auditor");
  const context = await browser.newContext({ locale: "da-DK", viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await login(page, pv, auditor);
  await page.getByRole("link", { name: "Skift adgangskode" }).click();
  assert.equal(await page.textContent("h1"), "Skift din adgangskode");
  const rules = await page.textContent("main");
  assert.match(rules, /Mindst 8 tegn/, "the preset's length, before typing");
  assert.match(rules, /ikke en kendt lækket adgangskode/);
  assert.match(rules, /ikke en af dine 8 seneste/);
  // A wrong current password, a breached new one and a repetition that differs: all at once.
  await page.fill("#f-current_password", "Forkert2026Kode");
  await page.fill("#f-new_password", "Password123");
  await page.fill("#f-repeat_password", "Password124");
  await page.getByRole("button", { name: "Skift adgangskode" }).click();
  assert.match(await page.textContent("#f-current_password-error"), /ikke din nuværende adgangskode/);
  assert.match(await page.textContent("#f-new_password-error"), /lækket ved kendte brud/);
  assert.match(await page.textContent("#f-repeat_password-error"), /De to nye adgangskoder er ikke ens/);
  await screenshot(page, "own-password-errors");
  await checkAccessibility(page, "own password (errors)");
  // The design system's font loads (the CSP lets it).
  const plex = await page.evaluate(async () => {
    await document.fonts.ready;
    return [...document.fonts].filter((f) => f.family.includes("IBM Plex Sans") && f.status === "loaded").length;
  });
  assert.ok(plex > 0, "IBM Plex Sans in use");
  // The current one again is refused too.
  await page.fill("#f-current_password", PASSWORD);
  await page.fill("#f-new_password", PASSWORD);
  await page.fill("#f-repeat_password", PASSWORD);
  await page.getByRole("button", { name: "Skift adgangskode" }).click();
  assert.match(await page.textContent("#f-new_password-error"), /seneste adgangskoder/);
  // A good one.
  const fresh = "Revision-Efterar-2026";
  await page.fill("#f-current_password", PASSWORD);
  await page.fill("#f-new_password", fresh);
  await page.fill("#f-repeat_password", fresh);
  await page.getByRole("button", { name: "Skift adgangskode" }).click();
  assert.match(await page.textContent("#page-success"), /Din adgangskode er skiftet/);
  assert.match(await page.textContent("main"), /Adgangskoden blev sidst skiftet/);
  await screenshot(page, "own-password-done");
  await logout(page);
  await page.fill("#username", "revisor.pw");
  await page.fill("#password", fresh);
  await page.click("form[action='/login'] button[type=submit]");
  assert.ok(!page.url().includes("/login"), `signed in with the new password: ${page.url()}`);
  await context.close();
});
