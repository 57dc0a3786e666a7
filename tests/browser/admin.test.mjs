// The administrator's job through the pages: a supplier's orderer is created with the
// person picked by name from the supplier's list of orderers (not without one), the
// one-time password shown once in monospace; the orderer loses their phone and the
// administrator resets their second factor, so the next login sets up a new one.
// REQ: AUTH-1, AUTH-3, ORG-3, X-8

import { test } from "node:test";
import assert from "node:assert/strict";
import { demoSuite, createUser, login, logout, checkAccessibility, screenshot, PASSWORD } from "./lib.mjs";

const suite = demoSuite("taarnby");

test("the administrator creates an orderer picked by name and resets a lost second factor", async () => {
  const { pv, browser } = suite;
  const admin = { username: "admin1", password: pv.cli("create-user", "--username", "admin1", "--display-name", "Anne Admin", "--role", "administrator") };
  const context = await browser.newContext({ locale: "da-DK", viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await login(page, pv, admin);
  await page.getByRole("link", { name: "Brugere af Portvagt" }).click();
  await page.getByText("Opret bruger", { exact: true }).first().click();
  assert.equal(await page.inputValue("#f-role"), "", "no role chosen for them");
  // An orderer without a person is refused, every missing field at once.
  await page.fill("#f-username", "ny.bestiller");
  await page.selectOption("#f-role", "supplier_orderer");
  await page.getByRole("button", { name: "Opret bruger" }).click();
  assert.match(await page.textContent("#f-display_name-error"), /Navn|skal udfyldes|tom/i);
  await page.fill("#f-display_name", "Ny Bestiller");
  await page.selectOption("#f-supplier_id", { label: "Omsorgsgruppen Nord ApS" });
  await page.getByRole("button", { name: "Opret bruger" }).click();
  assert.equal(await page.locator("#f-person_id-error").count(), 1, "an orderer is a person on the supplier's list");
  // Picked by name: the orderers of the supplier are offered with their supplier.
  const option = page.locator("#f-person_id option", { hasText: "– Omsorgsgruppen Nord ApS" }).first();
  const label = (await option.textContent()).trim();
  await page.selectOption("#f-person_id", { label });
  await screenshot(page, "users-create");
  await checkAccessibility(page, "users (create)");
  await page.getByRole("button", { name: "Opret bruger" }).click();
  assert.match(await page.textContent("#page-success"), /Brugeren ny\.bestiller er oprettet/);
  const secret = (await page.locator("#receipt code.pv-secret").textContent()).trim();
  assert.ok(secret.length >= 12, "the one-time password, once");
  assert.equal(await page.locator("#receipt").getByRole("button", { name: "Kopiér" }).count(), 1);
  await screenshot(page, "users-created");
  await logout(page);

  // The new orderer logs in and sets up the second factor.
  const orderer = { username: "ny.bestiller", password: secret };
  await login(page, pv, orderer);
  assert.ok(orderer.secret, "a second factor was set up");
  await logout(page);

  // The lost phone: the administrator resets the second factor.
  await login(page, pv, admin);
  await page.getByRole("link", { name: "Brugere af Portvagt" }).click();
  await page.getByRole("link", { name: "ny.bestiller" }).click();
  assert.match(await page.textContent("main"), /Totrinsbekræftelse\s*Opsat/);
  await page.getByText("Mistet telefon: nulstil totrinsbekræftelsen").click();
  page.once("dialog", (d) => {
    assert.match(d.message(), /ny\.bestiller/);
    d.accept();
  });
  await page.getByRole("button", { name: "Nulstil totrinsbekræftelsen" }).click();
  assert.match(await page.textContent("#page-success"), /Totrinsbekræftelsen er nulstillet/);
  assert.match(await page.textContent("main"), /Totrinsbekræftelse\s*Ikke opsat/);
  await screenshot(page, "user-totp-reset");
  await checkAccessibility(page, "user");

  // REQ: NOT-1 — the administrator gives the orderer an e-mail address for the daily
  // digest; a wrong one is refused on its field.
  assert.match(await page.textContent("main"), /E-mail\s*Ingen – får ingen e-mail fra Portvagt/);
  await page.getByText("Ret navn, e-mail og login via organisationen").click();
  await page.fill("#f-email", "ny.bestiller@omsorg");
  await page.getByRole("button", { name: "Gem" }).click();
  assert.match(await page.textContent("#f-email-error"), /e-mail/i);
  await page.fill("#f-email", "ny.bestiller@omsorg-nord.example");
  await page.getByRole("button", { name: "Gem" }).click();
  assert.match(await page.textContent("#page-success"), /Ændringerne blev gemt/);
  assert.match(await page.textContent("main"), /E-mail\s*ny\.bestiller@omsorg-nord\.example/);
  await screenshot(page, "user-email");
  await logout(page);

  // The next login, after the password, sets up a new authenticator.
  await page.goto(pv.base + "/login");
  await page.fill("#username", "ny.bestiller");
  await page.fill("#password", PASSWORD);
  await page.click("form[action='/login'] button[type=submit]");
  assert.ok(page.url().endsWith("/login/totp-setup"), `a new second factor is set up, not the old one asked for: ${page.url()}`);
  await context.close();
});
