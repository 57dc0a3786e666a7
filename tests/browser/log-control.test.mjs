// Log control signed by the supplier (SEC-3) through the pages: Portvagt draws each
// supplier's package of last month at start; the coordinator finds it from the log's
// page and cannot draw that month again; the supplier's orderer finds it on the
// dashboard, reads the criteria, reveals one citizen (recorded), judges every look-up
// (one unjustified) on a tablet and signs off; the events are held and the security
// officer has the case; the draw checks out against the seed's hash.
// REQ: SEC-3, SEC-2, X-11

import { test } from "node:test";
import assert from "node:assert/strict";
import { demoSuite, createUser, api, login, logout, checkAccessibility, screenshot } from "./lib.mjs";

const suite = demoSuite("taarnby");

/** Reloads a list until it has a package (the monthly draw runs as Portvagt starts). */
async function waitForPackages(page) {
  for (let i = 0; i < 40; i++) {
    if ((await page.locator("main table tbody tr a").count()) > 0) return;
    await page.waitForTimeout(500);
    await page.reload();
  }
  assert.fail("no log-control package was drawn");
}

test("a package is drawn, judged by the supplier's orderer, signed off, and its unjustified look-up becomes a case", async () => {
  const { pv, browser } = suite;
  const coordinator = createUser(pv, "koordinator", "--display-name", "Karin Koordinator", "--role", "security_coordinator");
  const officer = createUser(pv, "sikkerhed", "--display-name", "Søren Sikkerhed", "--role", "security_officer");
  const desk = await browser.newContext({ locale: "da-DK", viewport: { width: 1280, height: 900 } });
  let page = await desk.newPage();

  // The coordinator: from the log's page to the packages.
  await login(page, pv, coordinator);
  await page.getByRole("link", { name: "Logning", exact: true }).click();
  await page.getByRole("link", { name: "Logkontrol", exact: true }).first().click();
  await waitForPackages(page);
  assert.match(await page.textContent("main"), /Hver måned udtrækker Portvagt en stikprøve/);
  assert.match(await page.textContent("main table"), /Venter på leverandøren/);
  await screenshot(page, "log-control-list");
  await checkAccessibility(page, "log control list");
  const firstRow = page.locator("main table tbody tr").first();
  const supplierName = (await firstRow.locator("td").nth(1).textContent()).trim();
  // The same supplier and month again: refused, in words.
  await page.getByRole("heading", { name: "Udtræk en logkontrol nu" }).click();
  await page.getByRole("button", { name: "Udtræk stikprøve" }).click();
  assert.equal(await page.locator("#f-supplier_id-error").count(), 1, "no supplier chosen");
  await page.selectOption("#f-supplier_id", { label: supplierName });
  await page.selectOption("#f-month", { index: 0 });
  await page.getByRole("button", { name: "Udtræk stikprøve" }).click();
  assert.match(await page.textContent("main"), /allerede en logkontrol for denne leverandør og måned/);
  await logout(page);

  // The supplier's orderer.
  const supplier = (await api(pv, "GET", `/api/v1/suppliers?q=${encodeURIComponent(supplierName)}`)).items[0];
  const ordererPerson = (await api(pv, "GET", `/api/v1/orderers?supplier_id=${supplier.id}`)).items[0].person_id;
  const orderer = createUser(pv, "bestiller", "--display-name", "Bo Bestiller", "--role", "supplier_orderer", "--supplier-id", supplier.id, "--person-id", ordererPerson);
  const tablet = await browser.newContext({ locale: "da-DK", viewport: { width: 820, height: 1180 } });
  page = await tablet.newPage();
  await login(page, pv, orderer);
  await page.getByRole("link", { name: /Logkontroller, der venter på jeres gennemgang/ }).click();
  await page.locator("main table tbody tr a").first().click();
  const main = await page.textContent("main");
  assert.match(main, /Vurder hvert opslag nedenfor efter kriterierne/);
  assert.match(main, /Sådan vurderes et opslag/);
  assert.match(main, /Borger 1/);
  assert.doesNotMatch(main, /120354|230478|051190/, "no citizen's number until revealed");
  const entries = await page.locator("main table tbody tr").count();
  assert.ok(entries >= 2, `at least two look-ups in the package, got ${entries}`);
  assert.match(main, /Underskriv/);
  assert.match(main, new RegExp(`Opslag uden vurdering: ${entries}\\.`));
  assert.equal(await page.getByRole("button", { name: "Underskriv logkontrollen" }).count(), 0, "no sign-off before every look-up is judged");
  await screenshot(page, "log-control-review");
  await checkAccessibility(page, "log control review");
  // Revealing one citizen is shown and recorded.
  await page.getByRole("button", { name: "Vis CPR-nummer" }).first().click();
  assert.match(await page.textContent("#page-success"), /At du har set det, er skrevet i loggen/);
  const revealed = (await page.textContent("main")).match(/\d{6}-\d{4}/g) || [];
  assert.ok(revealed.length >= 2, "the citizen's number in the table and on the look-up");
  // A judgement without a choice is named on its field.
  await page.getByRole("button", { name: "Gem vurdering" }).first().click();
  assert.match(await page.textContent("#page-error, .form-error, main"), /Vurdering skal udfyldes/);
  // Every look-up judged: the first unjustified, the rest justified.
  for (let n = 1; n <= entries; n++) {
    const value = n === 1 ? "unjustified:no_task" : "justified:care_task";
    await page.selectOption(`#f-judgement-${n}`, value);
    if (n === 1) await page.fill(`#f-note-${n}`, "Medarbejderen havde ingen opgave hos borgeren.");
    await page.locator(`form[action$='/entries/${n}']`).getByRole("button", { name: "Gem vurdering" }).click();
    assert.match(await page.textContent("#page-success"), /Vurderingen er gemt/);
  }
  assert.match(await page.textContent("main"), /Opslag vurderet som uberettigede: 1\./);
  await page.fill("#f-statement", "Medarbejderen er talt med og har fået en advarsel.");
  page.once("dialog", (d) => d.accept());
  await page.getByRole("button", { name: "Underskriv logkontrollen" }).click();
  assert.match(await page.textContent("#page-success"), /kommunens sikkerhedsansvarlige har fået en sag/);
  assert.match(await page.textContent("main"), /Underskrevet/);
  assert.equal(await page.getByRole("button", { name: "Gem vurdering" }).count(), 0, "a signed package cannot be changed");
  await screenshot(page, "log-control-signed");
  const packageUrl = page.url().replace(/\?.*$/, "");
  await logout(page);

  // The security officer: the case, its events held; the draw checks out.
  page = await desk.newPage();
  await login(page, pv, officer);
  await page.goto(packageUrl);
  assert.match(await page.textContent("main"), /Uberettigede opslag er en sag hos sikkerhedsansvarlig/);
  await page.getByRole("button", { name: "Efterprøv nu" }).click();
  const check = await page.textContent("main");
  assert.match(check, /✓ Hashen i loggen fra før udtrækningen er frøets/);
  assert.match(check, /✓ Udtrukket igen med frøet giver det de samme \d+ opslag/);
  await screenshot(page, "log-control-verified");
  await page.getByRole("link", { name: "Åbn sagen" }).click();
  const caseText = await page.textContent("main");
  assert.match(caseText, /Opslag, leverandøren selv vurderede som uberettiget/);
  assert.match(caseText, /LK-[0-9a-f]{8}: Medarbejderen er talt med/);
  await page.goto(pv.base + "/audit/holds");
  assert.match(await page.textContent("main"), /LK-[0-9a-f]{8}/);
  await logout(page);

  // Another supplier's orderer: neither the package nor its supplier in the list.
  const other = (await api(pv, "GET", "/api/v1/orderers?page_size=100")).items.find((o) => o.supplier_id !== supplier.id);
  const stranger = createUser(pv, "anden.bestiller", "--role", "supplier_orderer", "--supplier-id", other.supplier_id, "--person-id", other.person_id);
  await login(page, pv, stranger);
  await page.goto(packageUrl);
  assert.match(await page.textContent("main"), /findes ikke/);
  await page.goto(pv.base + "/log-control");
  assert.doesNotMatch(await page.textContent("main"), new RegExp(supplierName));
  await desk.close();
  await tablet.close();
});
