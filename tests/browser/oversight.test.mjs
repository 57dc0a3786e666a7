// The coordinator's and security officer's tools in the pages: the follow-up page
// (failing provisioning, reconciliation, support access, deletion confirmations), the
// rules in force with their sources, and a legal hold placed and released by the
// security officer — the citizen's number posted, never in a URL.
// REQ: PRV-2, PRV-3, EMG-3, AGR-6, OPS-3, X-6, LOG-3

import { test } from "node:test";
import assert from "node:assert/strict";
import { demoSuite, createUser, login, logout, checkAccessibility, screenshot, isoDate } from "./lib.mjs";

const suite = demoSuite("taarnby");

test("follow-up, the rules in force and a legal hold, through the pages", async () => {
  const { pv, browser } = suite;
  const user = (username, ...args) => createUser(pv, username, ...args);
  const coordinator = user("koordinator", "--role", "security_coordinator");
  const officer = user("sikkerhed", "--role", "security_officer");
  const context = await browser.newContext({ locale: "da-DK", viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();

  await login(page, pv, coordinator);
  await page.getByRole("link", { name: "Opfølgning" }).click();
  const main = await page.textContent("main");
  assert.match(main, /Fejlende handlinger i systemerne \(0\)/);
  assert.match(main, /Ingen systemer har en automatisk forbindelse/, "the demo's systems are manual: said so, nothing pretended");
  assert.match(main, /Supportadgange til godkendelse/);
  assert.match(main, /Manglende bekræftelse på sletning/);
  assert.equal(await page.getByRole("button", { name: "Godkend" }).count(), 0, "the coordinator does not approve support access");
  await screenshot(page, "oversight");
  await checkAccessibility(page, "oversight");
  // The rules in force: each value with its source.
  await page.getByRole("link", { name: "Gældende regler" }).first().click();
  const row = page.locator("tr", { hasText: "Karantæne for brugernavne (måneder)" });
  assert.match(await row.textContent(), /24/);
  assert.match(await row.textContent(), /Kommunal regel: Tårnby Kommune, IT-sikkerhedsregler 2014/);
  assert.match(await page.textContent("main"), /Afvigelser fra gældende vejledning/);
  assert.match(await page.locator("tr", { hasText: "Dokumentation før aktivering" }).textContent(), /Tavshedserklæring/, "codes in words");
  await screenshot(page, "policy");
  await checkAccessibility(page, "policy");
  await logout(page);

  // The security officer places a legal hold for a citizen and releases it.
  await login(page, pv, officer);
  await page.getByRole("link", { name: "Logning", exact: true }).click();
  await page.getByRole("link", { name: "Retslige tilbageholdelser" }).click();
  await page.getByRole("heading", { name: "Ny tilbageholdelse" }).click();
  await page.fill("#f-case_ref", "SAG-2026-0042");
  await page.fill("#f-reason", "Klage fra borger");
  await page.fill("#f-subject", "0101901235");
  await page.fill("#f-from", isoDate(-30));
  await page.fill("#f-to", isoDate(-60));
  await page.getByRole("button", { name: "Opret tilbageholdelse" }).click();
  assert.equal(await page.locator("#f-to-error").count(), 1, "the period ends before it starts");
  assert.doesNotMatch(page.url(), /0101901235/, "the number is never in the URL");
  await page.fill("#f-to", isoDate(0));
  await page.getByRole("button", { name: "Opret tilbageholdelse" }).click();
  assert.match(await page.textContent("#page-success"), /Tilbageholdelsen er oprettet/);
  const hold = page.locator("tr", { hasText: "SAG-2026-0042" });
  assert.match(await hold.textContent(), /Gælder/);
  await screenshot(page, "holds");
  await checkAccessibility(page, "legal holds");
  page.once("dialog", (d) => d.accept());
  await hold.getByRole("button", { name: "Ophæv" }).click();
  assert.match(await page.textContent("#page-success"), /Tilbageholdelsen er ophævet/);
  assert.match(await page.locator("tr", { hasText: "SAG-2026-0042" }).textContent(), /Ophævet/);
  await context.close();
});
