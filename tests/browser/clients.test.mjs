// A supplier's client list through the pages: the IT security coordinator imports
// the list the care system exported — a file with mistakes is refused whole, every bad
// line named; the corrected file is imported and its figures shown; the same file again
// is refused as already imported. The supplier's orderer sees how many clients the list
// holds for its own supplier, and nothing to import.
// REQ: X-11

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { demoSuite, createUser, api, login, logout, checkAccessibility, screenshot, isoDate } from "./lib.mjs";

const suite = demoSuite("taarnby");

test("the coordinator imports a supplier's client list; its orderer sees the count", async () => {
  const { pv, browser } = suite;
  const dir = mkdtempSync(join(tmpdir(), "pv-clients-"));
  const bad = join(dir, "klienter-med-fejl.csv");
  writeFileSync(
    bad,
    ["national_id;from;to", `010190-1234;${isoDate(-200)};`, "0101901234;2026-13-01;", `31029912345;${isoDate(-30)};`, `020290-2345;${isoDate(-10)};${isoDate(-20)}`].join("\n"),
  );
  const good = join(dir, "klienter.csv");
  writeFileSync(good, ["national_id;from;to", `010190-1234;${isoDate(-200)};`, `020290-2345;${isoDate(-100)};${isoDate(-20)}`, `030390-3456;${isoDate(-50)};`].join("\n"));

  const supplier = (await api(pv, "GET", "/api/v1/suppliers?q=Hjemmehj%C3%A6lp")).items[0];
  const ordererPerson = (await api(pv, "GET", `/api/v1/orderers?supplier_id=${supplier.id}`)).items[0].person_id;
  const coordinator = createUser(pv, "koordinator", "--display-name", "Karin Koordinator", "--role", "security_coordinator");
  const orderer = createUser(pv, "bestiller", "--display-name", "Bo Bestiller", "--role", "supplier_orderer", "--supplier-id", supplier.id, "--person-id", ordererPerson);

  {
    const context = await browser.newContext({ locale: "da-DK", viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await login(page, pv, coordinator);
    await page.getByRole("link", { name: "Register", exact: true }).click();
    await page.getByRole("link", { name: "Leverandører" }).first().click();
    await page.getByRole("link", { name: "Hjemmehjælp Plus A/S" }).click();
    const section = page.locator("section", { has: page.getByRole("heading", { name: "Klientliste" }) });
    assert.match(await section.textContent(), /Klienter i dag/);

    // A file with mistakes: refused whole, each bad line named on the page.
    await section.getByLabel("Fil med klientlisten").setInputFiles(bad);
    await section.getByRole("button", { name: "Indlæs klientliste" }).click();
    assert.match(await page.textContent("#page-error"), /3 linjer i filen er ugyldige; intet er gemt/);
    const errors = page.locator("section", { has: page.getByRole("heading", { name: "Fejl i filen" }) });
    const rows = await errors.locator("tbody tr").allTextContents();
    assert.equal(rows.length, 3, rows.join("\n"));
    assert.match(rows[0], /3.*from.*ÅÅÅÅ-MM-DD, ikke "2026-13-01"/);
    assert.match(rows[1], /4.*national_id.*hverken et gyldigt CPR-nummer/);
    assert.match(rows[2], /5.*to.*slutter, før det begynder/);
    assert.equal(await page.locator("#c-client_file-error").count(), 1, "the error stands on the file field");
    await screenshot(page, "clients-refused");
    await checkAccessibility(page, "client list refused");
    // The refused import's address opened again leads back to the supplier's page.
    await page.goto(page.url());
    assert.match(await page.textContent("h1"), /Hjemmehjælp Plus A\/S/);
    // A file that is no CSV at all is named as such, in words.
    const pdf = join(dir, "liste.pdf");
    writeFileSync(pdf, Buffer.from([0x25, 0x50, 0x44, 0x46, 0x2d, 0x31, 0x2e, 0x34, 0x0a, 0xff, 0xfe, 0x00]));
    await page.locator("section", { has: page.getByRole("heading", { name: "Klientliste" }) }).getByLabel("Fil med klientlisten").setInputFiles(pdf);
    await page.getByRole("button", { name: "Indlæs klientliste" }).click();
    assert.match(await page.textContent("#page-error"), /første linje skal være kolonnenavnene national_id, from og to/);
    assert.doesNotMatch(await page.textContent("main"), /parse error|unknown field|utf-8/i, "no parser's words");

    // The corrected file.
    const again = page.locator("section", { has: page.getByRole("heading", { name: "Klientliste" }) });
    await again.getByLabel("Fil med klientlisten").setInputFiles(good);
    await again.getByLabel("Hvad filen er").selectOption("replace");
    await again.getByRole("button", { name: "Indlæs klientliste" }).click();
    assert.match(await page.textContent("#page-success"), /Klientlisten er indlæst/);
    const imported = page.locator("section", { has: page.getByRole("heading", { name: "Klientliste" }) });
    const text = await imported.textContent();
    assert.match(text, /Klienter i dag\s*2/, "two of the three relations hold today");
    assert.match(text, /Karin Koordinator/, "who imported it, by name");
    const top = (await imported.locator("tbody tr").first().locator("td").allTextContents()).map((t) => t.trim());
    // Who, what the file was; in the file, new, changed, removed (the demo's own list is gone).
    assert.deepEqual(top.slice(1), ["Karin Koordinator", "Hele listen", "3", "3", "0", "2"]);
    assert.doesNotMatch(await page.content(), /010190|0101901234/, "no CPR number anywhere on the page");
    await screenshot(page, "clients-imported");
    await checkAccessibility(page, "client list imported");

    // The same file once more.
    await imported.getByLabel("Fil med klientlisten").setInputFiles(good);
    await imported.getByRole("button", { name: "Indlæs klientliste" }).click();
    assert.match(await page.textContent("#page-error"), /Præcis denne fil blev indlæst sidst/);
    await logout(page);

    // The orderer sees its own supplier's count, and no import.
    await login(page, pv, orderer);
    await page.goto(`${pv.base}/registry/supplier/${supplier.id}`);
    const own = page.locator("section", { has: page.getByRole("heading", { name: "Klientliste" }) });
    assert.match(await own.textContent(), /Klienter i dag\s*2/);
    assert.equal(await page.getByRole("button", { name: "Indlæs klientliste" }).count(), 0, "an orderer imports nothing");
    assert.doesNotMatch(await own.textContent(), /Karin Koordinator|Fjernet/, "who imported it and what changed are the municipality's");
    await screenshot(page, "clients-orderer");
    await context.close();
  }
});
