// The audit log in human terms, and the citizen extract as a letter: the data protection
// officer searches the care-record system's log by a citizen's CPR number, reads every
// action and outcome in words with the system's name and the search criterion, prints
// the search as a PDF; makes an extract for the citizen, downloads it as a PDF that names
// the organisations and withholds the employees' names; the security officer finds it in
// the list of extracts waiting for them and approves the names, and the PDF names them.
// REQ: LOG-1, LOG-6, X-1, X-2

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { demoSuite, createUser, login, logout, checkAccessibility, screenshot } from "./lib.mjs";

const suite = demoSuite("taarnby");
const CITIZEN = "120354-1230";

/** The text of a downloaded PDF, read by pdftotext (poppler-utils). */
async function pdfText(download) {
  return execFileSync("pdftotext", [await download.path(), "-"], { encoding: "utf8" });
}

test("the DPO searches the log in human terms and makes a citizen's extract as a PDF", async () => {
  const { pv, browser } = suite;
  const dpo = createUser(pv, "dpo", "--display-name", "Dorte DPO", "--role", "dpo");
  const officer = createUser(pv, "sikkerhed", "--display-name", "Sune Sikkerhed", "--role", "security_officer");
  const context = await browser.newContext({ locale: "da-DK", viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  await login(page, pv, dpo);
  await page.getByRole("link", { name: "Logning", exact: true }).click();

  // A CPR number that is not one is marked on its field, in words.
  await page.fill("#l-subject", "12345");
  await page.getByRole("button", { name: "Søg", exact: true }).click();
  await page.waitForSelector("#l-subject[aria-invalid='true']");
  const fieldError = await page.textContent("#l-subject-error");
  assert.match(fieldError, /DDMMÅÅ-XXXX/, "what a CPR number looks like");
  assert.doesNotMatch(fieldError, /kind|other/, "no API language");
  await page.fill("#l-subject", "");

  // A search with nothing to search by says what to fill in.
  await page.getByRole("button", { name: "Søg", exact: true }).click();
  await page.locator("#audit-results", { hasText: "Udfyld mindst" }).waitFor();

  // By the citizen's CPR number: the care-record system's reads, in words.
  await page.fill("#l-subject", CITIZEN);
  await page.getByRole("button", { name: "Søg", exact: true }).click();
  await page.waitForSelector("#audit-results table");
  assert.ok(!page.url().includes("120354"), "the CPR number stays out of the URL");
  const results = await page.textContent("#audit-results");
  assert.match(results, /KMD Nexus/, "the system by its name, not its id");
  assert.match(results, /VIS-BORGER/, "the system's own transaction type as it reported it");
  assert.match(results, /Gennemført/, "outcomes in words");
  assert.match(results, /120354-xxxx/, "the data subject masked");
  assert.match(results, /Søgekriterium/, "the DPO may read the search criterion (LOG-1)");
  assert.match(results, /Vestergade 12|Jensen|Strandvejen/, "the criterion the user searched by");
  assert.doesNotMatch(results, /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-/, "no ids shown");
  await screenshot(page, "audit-search-citizen");
  await checkAccessibility(page, "audit search results");

  // Sorting the results by who did it: the terms are posted again, never put in the URL.
  const whoHeader = page.locator("#audit-results th", { hasText: "Hvem" });
  await whoHeader.getByRole("button").click();
  await page.waitForSelector("#audit-results th[aria-sort='ascending']");
  assert.match(await whoHeader.getAttribute("aria-sort"), /ascending/);
  assert.ok(!page.url().includes("120354"), "sorting keeps the CPR number out of the URL");
  const who = await page.locator("#audit-results tbody tr td:nth-child(2)").allTextContents();
  const sorted = [...who].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase(), "da"));
  assert.deepEqual(who.map((w) => w.toLowerCase()), sorted.map((w) => w.toLowerCase()), "rows sorted by who");
  assert.match(await page.textContent("#audit-results"), /120354-xxxx/, "still the same search");

  // The search as a PDF.
  const [printout] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Hent som PDF" }).click()]);
  const printed = await pdfText(printout);
  assert.match(printed, /Udskrift af søgning i loggen/);
  assert.match(printed, /KMD\s+Nexus/);
  assert.match(printed, /Dorte DPO/, "who printed it");

  // A wide search — everything that succeeded — runs over pages: "Showing 1–50 of …",
  // page numbers, and the next page keeps the order chosen.
  await page.fill("#l-subject", "");
  await page.selectOption("#l-outcome", { label: "Gennemført" });
  await page.getByRole("button", { name: "Søg", exact: true }).click();
  await page.locator("#audit-results .pv-list-summary", { hasText: "Viser 1–50 af" }).waitFor();
  const total = (await page.textContent("#audit-results .pv-list-summary")).match(/af ([\d.]+)/)[1];
  await page.locator("#audit-results th", { hasText: "Handling" }).getByRole("button").click();
  await page.waitForSelector("#audit-results th[aria-sort='ascending']");
  await page.locator("#audit-results nav").getByRole("button", { name: /Næste/ }).click();
  await page.locator("#audit-results .pv-list-summary", { hasText: "Viser 51–100 af" }).waitFor();
  // The DPO's own searches are logged, yet the results stay put while they sort and page.
  assert.match(await page.textContent("#audit-results .pv-list-summary"), new RegExp(`af ${total.replace(".", "\\.")}\\b`), "the same results on every page");
  assert.match(await page.locator("#audit-results th", { hasText: "Handling" }).getAttribute("aria-sort"), /ascending/, "the order kept on the next page");
  assert.equal(await page.locator("#audit-results nav [aria-current='page']").textContent(), "2");
  assert.equal(await page.locator("#audit-results tbody tr").count(), 50);
  await screenshot(page, "audit-search-page-2");
  await checkAccessibility(page, "audit search, second page");

  // The extract for the citizen: organisations named, employees' names withheld.
  await page.fill("#f-extract_subject", CITIZEN);
  await page.getByRole("button", { name: "Dan indsigtsudtræk" }).click();
  assert.match(await page.textContent("h1"), /Indsigt: opslag i dine personoplysninger/);
  const letter = await page.textContent("main");
  assert.match(letter, /120354-xxxx/);
  assert.match(letter, /Dorte DPO/, "who made it");
  assert.match(letter, /\(navn tilbageholdt\)/);
  await screenshot(page, "extract-letter");
  await checkAccessibility(page, "citizen extract");
  const [pdf] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Hent som PDF" }).click()]);
  const text = await pdfText(pdf);
  assert.match(text, /Indsigt: opslag i dine personoplysninger/);
  const organisation = (await page.locator("main table tbody tr td").nth(1).textContent()).trim();
  assert.ok(organisation.length > 0);
  assert.ok(text.includes(organisation), `the PDF names the organisation ${organisation}`);
  assert.match(text, /\(navn tilbageholdt\)/, "and withholds the employees' names");
  const extractUrl = page.url();
  await logout(page);

  // The security officer finds the extract waiting and approves the names.
  await login(page, pv, officer);
  await page.getByRole("link", { name: "Logning", exact: true }).click();
  await page.getByRole("link", { name: "Indsigt for borgere" }).click();
  assert.match(await page.textContent("main"), /Venter på din godkendelse af navne/);
  await screenshot(page, "extracts-waiting");
  await checkAccessibility(page, "extracts waiting");
  await page.locator("main table tbody tr", { hasText: "120354-xxxx" }).locator("a").first().click();
  assert.equal(page.url(), extractUrl);
  page.once("dialog", (d) => d.accept());
  await page.getByRole("button", { name: "Godkend visning af navne" }).click();
  assert.match(await page.textContent("main"), /Godkendt af Sune Sikkerhed/);
  assert.doesNotMatch(await page.textContent("main table"), /navn tilbageholdt/);
  const [named] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Hent som PDF" }).click()]);
  const namedText = await pdfText(named);
  assert.doesNotMatch(namedText, /navn tilbageholdt/, "the names are shown once approved");
  const employee = (await page.locator("main table tbody tr td").nth(2).textContent()).trim();
  assert.ok(namedText.includes(employee), `the PDF names ${employee}`);
  assert.match(namedText, /Datatilsynet/, "the letter says where to complain");
  // The finished letter is found again in the list, ready to send.
  await page.getByRole("link", { name: "Indsigt for borgere" }).click();
  assert.match(await page.textContent("main table"), /120354-xxxx[\s\S]*Færdig – kan sendes til borgeren/);
  await context.close();
});
