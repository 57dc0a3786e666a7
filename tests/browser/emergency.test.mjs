// Emergency accounts and closing access, each role through the pages only (the Tårnby
// demo; users made with the CLI as an administrator would): the local administrator
// creates temp accounts at night on a tablet and a phone and hands over the receipt;
// the unit's leader signs one off and orders another deleted from the inbox; the
// coordinator reminds the leader of the one that waits; the security officer closes all
// accounts of a person and reads, per target system, what is closed and what waits.
// REQ: EMG-1, EMG-2, REQ-7, ACC-6, ACC-8

import { test } from "node:test";
import assert from "node:assert/strict";
import { demoSuite, createUser, login, logout, checkAccessibility, screenshot, isoDate } from "./lib.mjs";

const suite = demoSuite("taarnby");

/** The id at the end of the first link to a registry record whose text matches. */
async function recordId(page, kind, text) {
  await page.goto(suite.pv.base + `/registry?kind=${kind}`);
  const link = text ? page.getByRole("link", { name: text }).first() : page.locator(`main table a[href^="/registry/${kind}/"]`).first();
  return (await link.getAttribute("href")).split("/").pop();
}

test("temp accounts at night, their sign-off, and closing all of a person's accounts", async () => {
  const { pv, browser } = suite;
  const user = (username, ...args) => createUser(pv, username, ...args);
  const coordinator = user("koordinator", "--role", "security_coordinator");
  const desk = await browser.newContext({ locale: "da-DK", viewport: { width: 1280, height: 900 } });
  const page = await desk.newPage();

  // The coordinator looks up the home-care unit and a person for the local administrator.
  await login(page, pv, coordinator);
  const unit = await recordId(page, "department", "Hjemmeplejen");
  const person = await recordId(page, "person");
  await logout(page);
  const localAdmin = user("natvagt", "--role", "local_administrator", "--department-id", unit, "--person-id", person);
  const head = { username: "lone", password: pv.cli("create-user", "--username", "lone", "--display-name", "Lone Kristensen", "--role", "department_head", "--department-id", unit) };
  const officer = user("sikkerhed", "--role", "security_officer");

  // The local administrator, on a tablet at night.
  const tablet = await browser.newContext({ locale: "da-DK", viewport: { width: 768, height: 1024 }, hasTouch: true });
  const t = await tablet.newPage();
  await login(t, pv, localAdmin);
  assert.ok(t.url().endsWith("/emergency"), "the local administrator starts on the emergency page");
  assert.match(await t.textContent("main"), /Lone Kristensen skal godkende kontoen inden 72 timer/);
  assert.equal(await t.locator("input[name=profiles]:checked").count(), 2, "the emergency scope is ticked from the start");
  assert.equal(await t.inputValue("#f-valid_to"), isoDate(1), "valid until the end of the next shift");
  await screenshot(t, "emergency-form-tablet");
  await checkAccessibility(t, "emergency form (tablet)");
  // Everything missing at once, each on its field.
  await t.fill("#f-valid_to", isoDate(30));
  await t.click("form[action='/emergency'] button[type=submit]");
  assert.equal(await t.locator(".form-error-message").count(), 3, "name, reason and validity at once");
  assert.match(await t.textContent("#f-valid_to-error"), /højst gælde 7 dage/);
  assert.match(await t.textContent("#f-reason-error"), /Begrundelse/);
  await screenshot(t, "emergency-errors-tablet");
  await t.fill("#f-name", "Vikar Nielsen");
  await t.selectOption("#f-supplier_id", { index: 1 });
  await t.fill("#f-reason", "Sygemelding på aftenvagten, rute 4");
  await t.fill("#f-valid_to", isoDate(1));
  await t.click("form[action='/emergency'] button[type=submit]");
  // The receipt: what to hand over, once.
  const receipt = t.locator("#receipt");
  // The demo's systems are manual: the receipt says the account waits for IT operations.
  assert.match(await receipt.textContent(), /Nødkonto til Vikar Nielsen: venter på IT-drift/);
  assert.match(await receipt.textContent(), /virker først, når IT-drift har oprettet kontoen/);
  const username = (await receipt.locator("dd").first().textContent()).trim();
  assert.match(username, /^vik[a-z]+\d+$/);
  const password = (await receipt.locator("code.pv-secret").textContent()).trim();
  assert.ok(password.length >= 8, "an initial password to hand over");
  assert.equal(await receipt.getByRole("button", { name: "Kopiér" }).count(), 1);
  assert.match(await receipt.textContent(), /Lone Kristensen senest/);
  assert.match(await receipt.textContent(), /venter på IT-drift/, "not 'active' while IT operations has yet to create it");
  assert.doesNotMatch(await t.textContent("main"), /oprettet og aktiv/);
  await screenshot(t, "emergency-receipt-tablet");
  await checkAccessibility(t, "emergency receipt (tablet)");
  // The same name again is named before a second account is made.
  await t.fill("#f-name", "Vikar Nielsen");
  await t.fill("#f-reason", "Ekstra vagt");
  await t.click("form[action='/emergency'] button[type=submit]");
  assert.match(await t.textContent("#f-name-error"), /Der findes allerede en nødkonto/);
  assert.match(await t.textContent("#f-name-error"), new RegExp(username));
  await t.getByLabel("Opret alligevel – det er en anden person").check();
  await t.click("form[action='/emergency'] button[type=submit]");
  assert.match(await t.locator("#receipt").textContent(), /Nødkonto til Vikar Nielsen/);
  assert.equal(await t.locator("tr", { hasText: "Vikar Nielsen" }).count(), 2, "one row per temp, with its systems");
  assert.match(await t.locator("tr", { hasText: "Vikar Nielsen" }).first().textContent(), /Oprettes/, "not active before IT operations made it");
  await tablet.close();

  // On a phone.
  const phone = await browser.newContext({ locale: "da-DK", viewport: { width: 390, height: 844 }, hasTouch: true });
  const p = await phone.newPage();
  await login(p, pv, localAdmin);
  await p.fill("#f-name", "Vikar Berg");
  await p.fill("#f-reason", "Nattevagt syg");
  await p.click("form[action='/emergency'] button[type=submit]");
  assert.match(await p.locator("#receipt").textContent(), /Nødkonto til Vikar Berg/);
  await screenshot(p, "emergency-receipt-phone");
  await checkAccessibility(p, "emergency receipt (phone)");
  await phone.close();

  // The unit's leader: the sign-offs wait in the inbox.
  await login(page, pv, head);
  await page.getByRole("link", { name: "Til godkendelse" }).click();
  assert.match(await page.textContent("main"), /Vikarer med nødkonto til godkendelse \(\d+\)/);
  const cards = page.locator("section", { hasText: "Vikar Nielsen" });
  assert.equal(await cards.count(), 2, "one card per temp: the two namesakes");
  assert.match(await cards.first().textContent(), /Sygemelding på aftenvagten, rute 4/);
  assert.match(await cards.first().textContent(), /Kommunens Active Directory \(vikvn1\), KMD Nexus \(vikvn1\)/, "every system of the temp");
  assert.match(await cards.first().textContent(), /natvagt/, "who created it");
  await screenshot(page, "inbox-signoffs");
  await checkAccessibility(page, "inbox with sign-offs");
  await cards.first().getByRole("button", { name: "Godkend" }).click();
  assert.match(await page.textContent("#page-success"), /Vikarens nødkonti er godkendt/);
  assert.equal(await page.locator("section", { hasText: "Vikar Nielsen" }).count(), 1, "the signed-off temp left the inbox");
  const berg = page.locator("section", { hasText: "Vikar Berg" }).first();
  await berg.getByLabel("Hvorfor skal kontoen slettes?").fill("Ikke aftalt med mig");
  page.once("dialog", (d) => d.accept());
  await berg.getByRole("button", { name: "Bestil sletning" }).click();
  assert.match(await page.textContent("#page-success"), /Vikarens konti er lukket i Portvagt/);
  await logout(page);

  // The coordinator: who must sign by when, and a reminder.
  await login(page, pv, coordinator);
  await page.getByRole("link", { name: "Nødkonti", exact: true }).click();
  const waiting = page.locator("tr", { hasText: "Ekstra vagt" }).first();
  assert.match(await waiting.textContent(), /Lone Kristensen \(stedfortræder: Peter Holm\)/, "who must sign, the substitute named as such");
  assert.match(await waiting.textContent(), /Ikke godkendt/);
  await waiting.getByRole("button", { name: "Send påmindelse" }).click();
  assert.match(await page.textContent("#page-success"), /Påmindelsen er registreret/);
  assert.match(await page.locator("tr", { hasText: "Ekstra vagt" }).first().textContent(), /Påmindet/);
  await screenshot(page, "emergency-reconciliation");
  await checkAccessibility(page, "emergency reconciliation");
  // The list narrows to what is not signed off, and by name; the CSV holds those rows.
  await page.selectOption("#l-signoff", "unsigned");
  await page.fill("#l-q", "Vikar");
  await page.getByRole("button", { name: "Søg", exact: true }).click();
  await page.waitForURL(/signoff=unsigned/);
  const rows = await page.locator("main table tbody tr").allTextContents();
  assert.ok(rows.length >= 1 && rows.every((r) => /Vikar/.test(r) && /Ikke godkendt|Påmindet/.test(r)), rows.join("\n"));
  assert.match(await page.textContent(".pv-list-summary"), new RegExp(`af ${rows.length}(?!\\d)`));
  await screenshot(page, "emergency-list-filtered");
  await logout(page);

  // The security officer closes every account of the second Vikar Nielsen at once.
  await login(page, pv, officer);
  await page.getByRole("link", { name: "Nødkonti", exact: true }).click();
  await page.locator("tr", { hasText: "Ekstra vagt" }).first().getByRole("link").click();
  assert.match(await page.textContent("main"), /Alle konti for Vikar Nielsen/);
  await page.getByText("Luk alle konti for Vikar Nielsen").click();
  await page.locator("details[open] textarea[name=reason]").fill("Mistanke om delt adgangskode");
  page.once("dialog", (d) => d.accept());
  await page.getByRole("button", { name: "Luk alle konti nu" }).click();
  const done = await page.textContent("#page-success");
  assert.match(done, /Alle konti er lukket i Portvagt/);
  assert.doesNotMatch(done, /alle målsystemer/, "IT operations has not closed them in the systems yet");
  assert.match(done, /venter på IT-drift – Deaktivér konto/);
  assert.equal(await page.locator("tr", { hasText: "Nedlagt" }).count(), 2, "both accounts closed in Portvagt");
  await screenshot(page, "revoke-all");
  await checkAccessibility(page, "account after closing all");
  await desk.close();
});
