// The security report through the pages (SEC-1, SEC-2, X-11): the coordinator makes a
// report of the last three weeks of the care-record log — the demo's suppliers looked
// up a citizen who is not on their client lists — reads what each finding means, and
// hands the report to the home-care department; its head takes the case and finds
// misuse; the events go under a legal hold at once and the security officer sees the
// case. Wrong dates are named on their fields.
// REQ: SEC-1, SEC-2, X-11

import { test } from "node:test";
import assert from "node:assert/strict";
import { demoSuite, createUser, api, login, logout, checkAccessibility, screenshot, isoDate } from "./lib.mjs";

const suite = demoSuite("taarnby");

test("a security report is made, handed to the department, and concluded with misuse", async () => {
  const { pv, browser } = suite;
  const care = (await api(pv, "GET", "/api/v1/departments?q=Hjemmeplejen")).items[0];
  const coordinator = createUser(pv, "koordinator", "--display-name", "Karin Koordinator", "--role", "security_coordinator");
  const head = createUser(pv, "leder", "--display-name", "Lone Leder", "--role", "department_head", "--department-id", care.id);
  const officer = createUser(pv, "sikkerhed", "--display-name", "Søren Sikkerhed", "--role", "security_officer");
  const context = await browser.newContext({ locale: "da-DK", viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();

  await login(page, pv, coordinator);
  await page.getByRole("link", { name: "Logning", exact: true }).click();
  await page.getByRole("link", { name: "Sikkerhedsrapporter", exact: true }).first().click();
  assert.match(await page.textContent("main"), /Portvagt danner hver nat en rapport/);
  // Wrong dates: each named on its field.
  await page.getByRole("heading", { name: "Dan en rapport for andre dage" }).click();
  await page.fill("#f-from", isoDate(0));
  await page.fill("#f-to", isoDate(-3));
  await page.getByRole("button", { name: "Dan rapport" }).click();
  assert.equal(await page.locator("#f-to-error").count(), 1, "the last day lies before the first");
  await page.fill("#f-from", isoDate(-40));
  await page.fill("#f-to", isoDate(0));
  await page.getByRole("button", { name: "Dan rapport" }).click();
  assert.match(await page.textContent("#f-to-error"), /perioden må højst være 31 dage/);
  await page.fill("#f-from", isoDate(-21));
  await page.getByRole("button", { name: "Dan rapport" }).click();
  assert.match(await page.textContent("#page-success"), /Rapporten er dannet/);
  const main = await page.textContent("main");
  assert.match(main, /Åben – ingen har taget sagen/);
  const stranger = page.locator("tr", { hasText: "Opslag på en borger, der ikke er leverandørens klient" });
  assert.ok((await stranger.count()) >= 1, "a supplier looked up someone who is not its client");
  assert.match(await stranger.first().textContent(), /Alvorlig/);
  assert.match(main, /Hvad fundene betyder, og hvad der skal undersøges/);
  assert.match(main, /ikke stod på leverandørens klientliste den dag/);
  assert.doesNotMatch(main, /120354|230478|051190/, "no citizen's number on the report");
  await screenshot(page, "security-report");
  await checkAccessibility(page, "security report");
  const reportUrl = page.url().replace(/\?.*$/, "");
  // Handed to the home-care department.
  await page.selectOption("#a-department_id", { label: "Hjemmeplejen" });
  await page.getByRole("button", { name: "Overdrag" }).click();
  assert.match(await page.textContent("#page-success"), /overdraget til afdelingen/);
  assert.match(await page.textContent("main"), /Overdraget til\s*Hjemmeplejen/);
  await logout(page);

  // The department head finds it in the menu, takes the case and finds misuse.
  await login(page, pv, head);
  await page.getByRole("link", { name: "Sikkerhedsrapporter", exact: true }).first().click();
  await page.locator("tbody tr").first().getByRole("link").click();
  assert.equal(await page.getByRole("button", { name: "Overdrag" }).count(), 0, "handing on is the coordinator's");
  await page.getByRole("button", { name: "Tag sagen" }).click();
  assert.match(await page.textContent("#page-success"), /Du har taget sagen/);
  assert.match(await page.textContent("main"), /Undersøges af\s*Lone Leder/);
  page.once("dialog", (d) => d.accept());
  await page.getByRole("button", { name: "Misbrug konstateret" }).click();
  assert.equal(await page.locator("#m-misuse-error").count(), 1, "what misuse, in words");
  await page.fill("#m-misuse", "Medarbejderen slog en borger op uden arbejdsmæssig grund.");
  page.once("dialog", (d) => d.accept());
  await page.getByRole("button", { name: "Misbrug konstateret" }).click();
  assert.match(await page.textContent("#page-success"), /Hændelserne er tilbageholdt/);
  assert.match(await page.textContent("main"), /Misbrug konstateret – hos øverste sikkerhedsansvarlige/);
  assert.equal(await page.getByRole("button", { name: "Tag sagen" }).count(), 0, "a concluded case takes no step");
  await screenshot(page, "security-report-misuse");
  await checkAccessibility(page, "security report concluded");
  await logout(page);

  // The security officer sees the case and its legal hold.
  await login(page, pv, officer);
  await page.goto(reportUrl);
  assert.match(await page.textContent("main"), /Medarbejderen slog en borger op uden arbejdsmæssig grund/);
  await page.goto(pv.base + "/audit/holds");
  assert.match(await page.textContent("main"), /SR-[0-9a-f]{8}/);
  await context.close();
});
