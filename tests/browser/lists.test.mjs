// Lists people can work with: the coordinator narrows the accounts list with a search
// term and two filters, sorts it by a column, pages through it, finds a person by CPR
// number without the number reaching the address bar, and downloads exactly the rows
// the filters select as CSV that Excel in Danish opens.
// REQ: OPS-2, LOG-6

import { test } from "node:test";
import assert from "node:assert/strict";
import { demoSuite, createUser, login, checkAccessibility, screenshot } from "./lib.mjs";

const suite = demoSuite("taarnby");

/** The rows of the list's table, as text per cell. */
async function rows(page) {
  return page.$$eval("main table tbody tr", (trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent.trim())));
}

test("the coordinator searches, filters, sorts and exports the accounts list", async () => {
  const { pv, browser } = suite;
  const coordinator = createUser(pv, "koordinator", "--display-name", "Kim Koordinator", "--role", "security_coordinator");
  const context = await browser.newContext({ locale: "da-DK", viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  await login(page, pv, coordinator);
  await page.getByRole("link", { name: "Brugerkonti", exact: true }).click();
  const all = await rows(page);
  assert.ok(all.length > 3, "the demo's accounts are listed");
  assert.match(await page.textContent(".pv-list-summary"), /Viser 1–\d+ af \d+/);

  // Sorting by a column: by username at first; a click turns the order round.
  assert.equal(await page.getAttribute("th[aria-sort]", "aria-sort"), "ascending");
  await page.locator("th a.pv-sort", { hasText: "Person" }).click();
  const persons = (await rows(page)).map((r) => r[1].toLowerCase());
  assert.deepEqual(persons, [...persons].sort(), "sorted by the person's name");
  await page.locator("th a.pv-sort", { hasText: "Brugernavn" }).click();
  assert.equal(await page.getAttribute("th[aria-sort]", "aria-sort"), "ascending");
  await page.locator("th a.pv-sort", { hasText: "Brugernavn" }).click();
  assert.equal(await page.getAttribute("th[aria-sort]", "aria-sort"), "descending");
  const usernames = (await rows(page)).map((r) => r[0]);
  assert.deepEqual(usernames, [...usernames].sort().reverse(), "sorted by username, descending");
  assert.match(page.url(), /sort=username&dir=desc/);

  // Two filters: the state and the system.
  await page.selectOption("#l-state", "active");
  const system = all[0][2];
  await page.selectOption("#l-system", { label: system });
  await page.getByRole("button", { name: "Søg", exact: true }).click();
  const filtered = await rows(page);
  assert.ok(filtered.length >= 1 && filtered.length < all.length, `the filters narrow the list (${filtered.length} of ${all.length})`);
  for (const r of filtered) {
    assert.equal(r[2], system, "only the chosen system");
    assert.match(r[3], /^Aktiv/, "only active accounts");
  }
  assert.match(page.url(), /state=active/, "the filters live in the URL, so the list can be bookmarked");

  // A search term on top: part of a person's name.
  const person = filtered[0][1];
  const part = person.split(" ")[0];
  await page.fill("#l-q", part);
  await page.getByRole("button", { name: "Søg", exact: true }).click();
  const searched = await rows(page);
  assert.ok(searched.length >= 1, "the person is found by part of the name");
  for (const r of searched) assert.ok(r[1].includes(part) || r[0].toLowerCase().includes(part.toLowerCase()), `${r} matches ${part}`);
  await screenshot(page, "list-accounts-filtered");
  await checkAccessibility(page, "accounts list (filtered)");

  // The CSV holds exactly the rows the filters select, with a BOM and `;` for Danish Excel.
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Hent som CSV (Excel)" }).click()]);
  const path = await download.path();
  const { readFileSync } = await import("node:fs");
  const bytes = readFileSync(path);
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], "UTF-8 with a byte order mark");
  const lines = bytes.toString("utf8").slice(1).trim().split(/\r?\n/);
  assert.match(lines[0], /^"Brugernavn";"Person";/);
  assert.equal(lines.length - 1, searched.length, "one line per selected row");
  const csvNames = lines.slice(1).map((l) => l.split(";")[0].replaceAll('"', ""));
  assert.deepEqual(csvNames, searched.map((r) => r[0]), "the same rows in the same order");

  // Reset, then find a person by CPR number: the number never reaches the URL.
  await page.getByRole("link", { name: "Nulstil søgning" }).click();
  assert.equal(new URL(page.url()).search, "");
  await page.goto(pv.base + "/registry?kind=person");
  await page.locator("main table tbody tr a").first().click();
  const personName = (await page.textContent("h1")).trim();
  await page.goto(pv.base + "/accounts");
  await page.fill("#l-q", "0101901234");
  await page.getByRole("button", { name: "Søg", exact: true }).click();
  assert.ok(!page.url().includes("0101901234"), "the CPR number stays out of the URL");
  assert.match(await page.textContent("#page-error"), /Ingen person, du har adgang til, har det CPR-nummer/);
  assert.equal((await rows(page)).filter((r) => r.length > 1).length, 0, "nobody matches");
  assert.ok(personName.length > 0);
  await screenshot(page, "list-accounts-cpr-unknown");
  // A new search term replaces the person the CPR search narrowed the list to.
  await page.fill("#l-q", part);
  await page.getByRole("button", { name: "Søg", exact: true }).click();
  assert.equal(await page.locator(".pv-chip").count(), 0, "no person filter left over");
  assert.ok((await rows(page)).filter((r) => r.length > 1).length >= 1, "the name search finds rows again");
  await context.close();
});

test("a long list pages with numbers, previous and next", async () => {
  const { pv, browser } = suite;
  const auditor = createUser(pv, "revisor.lister", "--role", "auditor");
  const context = await browser.newContext({ locale: "da-DK", viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await login(page, pv, auditor);
  await page.goto(pv.base + "/registry?kind=person");
  const summary = await page.textContent(".pv-list-summary");
  const total = Number(summary.match(/af (\d+)/)[1]);
  if (total > 50) {
    await page.getByRole("link", { name: "Næste ›" }).click();
    assert.match(await page.textContent(".pv-list-summary"), /Viser 51–/);
    assert.equal(await page.getAttribute(".pv-pages a[aria-current=page]", "href").then((h) => h.includes("page=2")), true);
  }
  await screenshot(page, "list-persons");
  await checkAccessibility(page, "persons list");
  await context.close();
});
