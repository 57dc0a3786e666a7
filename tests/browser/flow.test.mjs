// The whole path of an account through the pages, in real Chromium: a supplier's orderer
// records the evidence and orders an account from a job profile; the department head and
// the IT security coordinator approve; the IT operator confirms the manual task; the
// account shows as active; the pages switch to Swedish and English; a local
// administrator creates an emergency account at night; the orderer reports the
// newcomer as a leaver and the account ends at once. Every main page is checked with
// axe-core and photographed into target/screenshots/.
// REQ: REQ-1, REQ-2, REQ-4, ACC-4, EMG-1, OPS-2, RPT-1, AUTH-1, AUTH-4, X-7

import { test } from "node:test";
import assert from "node:assert/strict";
import { demoSuite, createUser, api, login, logout, checkAccessibility, screenshot, isoDate } from "./lib.mjs";

const suite = demoSuite("taarnby");

test("an account goes from order to active through the pages of every role", async () => {
  const { pv, browser } = suite;
  // What the demo registry holds: the first supplier's agreement and its orderer.
  const waiting = await api(pv, "GET", "/api/v1/requests?state=submitted");
  const demo = waiting.items[0];
  const orderers = await api(pv, "GET", `/api/v1/orderers?supplier_id=${demo.supplier_id}`);
  const ordererPerson = orderers.items[0].person_id;
  const policy = await api(pv, "GET", "/api/v1/policy");
  const lead = policy.policy.lead_times.new_account_days.value;
  const newcomer = await api(pv, "POST", "/api/v1/persons", {
    name: "Tove Testesen",
    affiliations: [{ supplier_id: demo.supplier_id, from: isoDate(0) }],
  });
  const localAdminPerson = await api(pv, "POST", "/api/v1/persons", { name: "Lone Natvagt" });

  const user = (username, ...args) => createUser(pv, username, ...args);
  const orderer = user("bestiller", "--display-name", "Olga Bestiller", "--role", "supplier_orderer", "--supplier-id", demo.supplier_id, "--person-id", ordererPerson);
  const head = user("afdelingsleder", "--display-name", "Anne Afdelingsleder", "--role", "department_head", "--department-id", demo.department_id);
  const coordinator = user("koordinator", "--role", "security_coordinator");
  const operator = user("drift", "--role", "it_operator");
  const localAdmin = user("natvagt", "--role", "local_administrator", "--department-id", demo.department_id, "--person-id", localAdminPerson.id);

  const context = await browser.newContext({ locale: "da-DK", viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();

  // The orderer: evidence for the newcomer, then the order.
  await login(page, pv, orderer);
  assert.equal(await page.textContent("h1"), "Overblik");
  await checkAccessibility(page, "dashboard (orderer)");
  await page.getByRole("link", { name: "Mine medarbejdere" }).click();
  assert.match(await page.locator("tr", { hasText: "Tove Testesen" }).textContent(), /Mangler/, "no evidence yet, said so");
  await page.getByRole("link", { name: "Tove Testesen" }).click();
  // Each kind of evidence with its date, the document and who checked it.
  await page.getByRole("button", { name: "Registrér" }).click();
  assert.equal(await page.locator(".form-error-message").count(), 3, "kind, document and who checked, at once");
  for (const [kind, reference] of [
    ["confidentiality_declaration", "Tavshedserklæring underskrevet, j.nr. 2026-114"],
    ["training", "Kursusbevis 4471"],
    ["identity_check", "Pas set"],
  ]) {
    await page.selectOption("#f-kind", kind);
    await page.fill("#f-reference", reference);
    await page.fill("#f-checked_by", "Birgit Bestiller");
    await page.getByRole("button", { name: "Registrér" }).click();
    assert.match(await page.textContent("#page-success"), /for Tove Testesen er registreret|af Tove Testesen er registreret/);
  }
  assert.match(await page.textContent("main"), /Kursusbevis 4471 · kontrolleret af Birgit Bestiller/);
  await screenshot(page, "staff-member");
  await checkAccessibility(page, "staff member");
  await page.getByRole("link", { name: "Mine medarbejdere" }).first().click();
  assert.equal((await page.locator("tr", { hasText: "Tove Testesen" }).textContent()).match(/✓/g).length, 3);
  await screenshot(page, "staff");
  await checkAccessibility(page, "staff");

  // A new staff member from the staff page (the registry's person form).
  await page.getByRole("link", { name: "Ny medarbejder" }).click();
  await page.fill("#f-name", "Sofie Sommer");
  await page.fill('[id="f-affiliations[0].from"]', isoDate(0));
  await checkAccessibility(page, "new staff member");
  // The CPR number as people write it; a wrong one is named in words, never parser text.
  await page.fill("#f-national_id", "123");
  await page.click("form[action='/registry/person/new'] button[type=submit]");
  assert.match(await page.textContent("#f-national_id-error"), /Skriv CPR-nummer som DDMMÅÅ-XXXX/);
  assert.doesNotMatch(await page.textContent("main"), /invalid type|expected/);
  await screenshot(page, "staff-cpr-error");
  await page.fill("#f-national_id", "0101901235");
  await page.click("form[action='/registry/person/new'] button[type=submit]");
  // Back under "My staff", on her page, where the next step is.
  assert.match(await page.textContent("#page-success"), /Sofie Sommer er oprettet/);
  assert.equal(await page.textContent("h1"), "Sofie Sommer");
  assert.equal(await page.getAttribute("nav a[aria-current=page]", "href"), "/staff", "the menu says where she is");
  await page.goto(pv.base + "/registry?kind=person&q=Sofie");
  assert.match(await page.locator("tr", { hasText: "Sofie Sommer" }).textContent(), /CPR-nr\. registreret/);
  await page.getByRole("link", { name: "Mine medarbejdere" }).click();
  assert.equal(await page.locator("tr", { hasText: "Sofie Sommer" }).count(), 1);

  await page.getByRole("link", { name: "Bestillinger" }).click();
  await page.getByRole("link", { name: "Bestil en ny konto" }).click();
  if ((await page.locator("form[method=get] #f-agreement_id").count()) > 0) {
    await page.selectOption("#f-agreement_id", demo.agreement_id);
    await page.getByRole("button", { name: "Fortsæt" }).click();
  }
  // Nothing chosen for them: every select starts on "Vælg …"; the start date offered is
  // the earliest without an urgency reason, and the page says which that is.
  assert.equal(await page.inputValue("#f-person_id"), "");
  assert.equal(await page.inputValue("#f-job_profile_id"), "");
  assert.equal(await page.inputValue("#f-wanted_start"), isoDate(lead));
  assert.match(await page.textContent("#f-wanted_start-hint"), /Tidligste startdato uden hastebegrundelse/);
  // Sent empty: every missing field at once, each on its field.
  await page.click("form[action='/requests/new'] button[type=submit]");
  assert.ok((await page.locator(".form-error-message").count()) >= 2, "person and job profile at once");
  assert.equal(await page.locator("#f-person_id-error").count(), 1);
  assert.equal(await page.locator("#f-job_profile_id-error").count(), 1);
  await screenshot(page, "order-errors");
  await page.selectOption("#f-person_id", newcomer.id);
  await page.selectOption("#f-job_profile_id", demo.job_profile_id);
  await page.selectOption("#f-system_id", demo.system_id);
  await page.fill("#f-wanted_start", isoDate(lead + 5));
  await page.fill("#f-needs_assessment_ref", "Behovsvurdering 2026-17");
  await screenshot(page, "order");
  await checkAccessibility(page, "order form");
  await page.click("form[action='/requests/new'] button[type=submit]");
  await page.waitForSelector("#page-success");
  const requestUrl = page.url().replace(/\?.*$/, "");
  assert.match(requestUrl, /\/requests\/[0-9a-f-]{36}$/);
  assert.match(await page.textContent("main"), /Venter på afdelingsleder/);
  await checkAccessibility(page, "request (orderer)");
  await logout(page);

  // The department head approves from the inbox.
  await login(page, pv, head);
  await page.getByRole("link", { name: "Til godkendelse" }).click();
  // The demo's late order says how late, against what, and why.
  await page.locator("tr", { hasText: "(hastebestilling)" }).first().getByRole("link").click();
  assert.match(await page.textContent("main"), /Kort varsel: \d+ dage \(reglerne kræver \d+\) – begrundelse: Vikar til akut sygdomsdækning/);
  assert.doesNotMatch(await page.textContent("main"), /Alle regler er opfyldt/);
  await page.getByRole("link", { name: "Til godkendelse" }).click();
  await page.getByRole("link", { name: "Tove Testesen" }).click();
  const facts = await page.textContent("main");
  assert.match(facts, /Alle regler er opfyldt/);
  assert.match(facts, /Omsorgsgruppen Nord ApS/, "the supplier");
  assert.doesNotMatch(facts, /Aftale\s*–/, "the agreement is named");
  assert.match(facts, /Behovsvurdering 2026-17/, "the needs assessment");
  assert.equal((facts.match(/✓/g) || []).length, 3, "each kind of evidence with its date");
  await screenshot(page, "request-approval");
  await checkAccessibility(page, "request (department head)");
  await page.fill("#f-comment", "Aftalt med teamleder");
  await page.getByRole("button", { name: "Godkend" }).click();
  await page.waitForSelector("#page-success");
  assert.match(await page.textContent("main"), /Venter på IT-sikkerhedskoordinator/);
  assert.match(await page.textContent("main"), /Aftalt med teamleder/, "the comment in the history");
  const approved = await page.textContent("main");
  assert.match(approved, /Olga Bestiller \(Autoriseret bestiller\)|Olga Bestiller \(/, "who ordered, by name");
  assert.match(approved, /Anne Afdelingsleder \(/, "who approved, by name in the history");
  assert.doesNotMatch(approved, /\bafdelingsleder \(|\bbestiller \(/, "never a username where a name belongs");
  assert.equal(await page.getByRole("link", { name: /Næste til godkendelse/ }).count(), 1, "on to the next in the inbox");
  await logout(page);

  // The coordinator approves; the dashboard shows charts with tables.
  await login(page, pv, coordinator);
  assert.ok((await page.locator(".pv-bars").count()) >= 4, "dashboard charts");
  assert.equal(await page.locator(".pv-bars").count(), await page.locator("details.pv-as-table table").count(), "every chart has its table");
  await screenshot(page, "dashboard");
  await checkAccessibility(page, "dashboard");
  await page.goto(pv.base + "/inbox");
  await screenshot(page, "inbox");
  await checkAccessibility(page, "inbox");
  await page.getByRole("link", { name: "Tove Testesen" }).click();
  await page.getByRole("button", { name: "Godkend" }).click();
  await page.waitForSelector("#page-success");
  assert.match(await page.textContent("main"), /Godkendt|Udført/);
  await logout(page);

  // The IT operator carries out the manual tasks and confirms them.
  await login(page, pv, operator);
  await page.getByRole("link", { name: "Manuelle opgaver", exact: true }).click();
  // The worker puts the approved order's task on the list within seconds.
  const rowsOf = (who) => page.locator("main table tbody tr", { hasText: who });
  for (let i = 0; i < 20 && (await rowsOf("Tove Testesen").count()) === 0; i++) {
    await page.waitForTimeout(1000);
    await page.reload();
  }
  await screenshot(page, "tasks");
  await checkAccessibility(page, "tasks");
  // Another person's task could not be done: the reason is required, then recorded.
  const other = page.locator("main table tbody tr").filter({ has: page.locator("a[href^='/tasks/']") }).filter({ hasNotText: "Tove Testesen" }).first();
  await other.locator("a[href^='/tasks/']").first().click();
  await page.getByText("Kunne ikke udføres", { exact: true }).first().click();
  await page.getByRole("button", { name: "Kunne ikke udføres" }).click();
  assert.match(await page.textContent("#f-reason-error"), /angiv en begrundelse/);
  await page.fill("#f-reason", "KMD Nexus afviste brugernavnet");
  await page.getByRole("button", { name: "Kunne ikke udføres" }).click();
  assert.match(await page.textContent("#page-success"), /registreret som ikke udført/);
  // The newcomer's tasks, found by name, each done from its own page with what it
  // needs; the list keeps the search while they are done one by one.
  await page.fill("#l-q", "Tove Testesen");
  await page.getByRole("button", { name: "Søg", exact: true }).click();
  await page.waitForURL(/q=Tove/);
  let done = 0;
  for (let i = 0; i < 5; i++) {
    const group = rowsOf("Tove Testesen");
    if ((await group.count()) === 0) break;
    done++;
    await group.first().locator("a[href^='/tasks/']").first().click();
    const facts = await page.textContent("main");
    assert.match(facts, /Tove Testesen/);
    assert.match(facts, /Omsorgsgruppen|ApS|A\/S/, "the supplier");
    if (i === 0) {
      assert.match(facts, /Opret konto i KMD Nexus/);
      assert.match(facts, /Grupper \(roller\) at tildele/);
      assert.ok((await page.locator("code.pv-secret").textContent()).trim().length >= 8, "the initial password to set");
      assert.equal(await page.getByRole("link", { name: "Se bestillingen" }).count(), 1);
      await screenshot(page, "task");
      await checkAccessibility(page, "task");
    }
    await page.getByRole("button", { name: "Markér som udført" }).click();
    await page.waitForSelector("#page-success");
    assert.match(page.url(), /\/tasks\?q=Tove/, "back on the list as it was searched");
    assert.equal(await page.inputValue("#l-q"), "Tove Testesen", "the search kept");
  }
  assert.ok(done >= 1, "the newcomer's task was on the list");
  assert.equal(await rowsOf("Tove Testesen").count(), 0, "the newcomer's tasks are done");
  await logout(page);

  // The account is active; the coordinator sees it.
  await login(page, pv, coordinator);
  await page.getByRole("link", { name: "Brugerkonti", exact: true }).click();
  await page.fill("#l-q", "Tove Testesen");
  await page.selectOption("#l-state", "active");
  await page.getByRole("button", { name: "Søg", exact: true }).click();
  const accountRow = page.locator("tr", { hasText: "Tove Testesen" });
  if ((await accountRow.count()) !== 1) {
    const all = await api(pv, "GET", `/api/v1/accounts?person_id=${newcomer.id}`);
    assert.fail(`the new account is not active: ${JSON.stringify(all)}`);
  }
  // Its first day is ahead: created, not yet active.
  assert.match(await accountRow.textContent(), /Oprettet – aktiv fra/);
  await accountRow.getByRole("link").click();
  await screenshot(page, "account");
  await checkAccessibility(page, "account");
  await page.goto(pv.base + "/accounts");
  await screenshot(page, "accounts");
  await checkAccessibility(page, "accounts");
  await page.goto(pv.base + "/registry?kind=agreement");
  await checkAccessibility(page, "registry");
  // Registry management: the agreement's form with its scope, attestations and
  // acceptances; the supplier's contact is changed and saved.
  await page.goto(pv.base + `/registry/agreement/${demo.agreement_id}`);
  assert.ok((await page.locator('input[name="scope.profiles"]').count()) > 0, "the agreement's scope as checkboxes");
  await screenshot(page, "agreement");
  await checkAccessibility(page, "agreement");
  await page.goto(pv.base + `/registry/supplier/${demo.supplier_id}`);
  await page.fill('[id="f-contact.name"]', "Kirsten Kontakt");
  await page.click(`form[action='/registry/supplier/${demo.supplier_id}'] button[type=submit]`);
  await page.waitForSelector("#page-success");
  assert.equal(await page.inputValue('[id="f-contact.name"]'), "Kirsten Kontakt");
  await checkAccessibility(page, "supplier");

  // Audit search: the terms are posted, the results come with the search form.
  await page.goto(pv.base + "/audit");
  await page.selectOption("#l-action", { label: "Bestilling godkendt af afdelingsleder" });
  await page.click("form[action='/audit'] button[type=submit]");
  await page.waitForSelector("#audit-results table");
  assert.match(await page.textContent("#audit-results"), /Bestilling godkendt af afdelingsleder/, "the action in words");
  assert.doesNotMatch(page.url(), /action=|subject=/, "the search terms stay out of the URL (F-07)");
  await screenshot(page, "audit");
  await checkAccessibility(page, "audit search");

  // The language follows the user: Swedish, then English, on every page.
  await page.getByRole("button", { name: "Svenska" }).click();
  assert.equal(await page.textContent("h1"), "Loggning");
  assert.match(await page.textContent("nav"), /Beställningar/);
  await page.goto(pv.base + "/");
  assert.equal(await page.textContent("h1"), "Översikt");
  assert.equal(await page.getAttribute("html", "lang"), "sv");
  await screenshot(page, "dashboard-sv");
  await page.getByRole("button", { name: "English" }).click();
  assert.equal(await page.textContent("h1"), "Dashboard");
  assert.equal(await page.getAttribute("html", "lang"), "en");
  await page.goto(pv.base + "/requests");
  assert.equal(await page.textContent("h1"), "Requests");
  await screenshot(page, "requests-en");
  await checkAccessibility(page, "requests (English)");
  await page.getByRole("button", { name: "Dansk" }).click();
  assert.equal(await page.textContent("h1"), "Bestillinger");
  await logout(page);
  await context.close();

  // The local administrator, on a tablet at night: an emergency account.
  const tablet = await browser.newContext({ locale: "da-DK", viewport: { width: 820, height: 1180 }, hasTouch: true });
  const tpage = await tablet.newPage();
  await login(tpage, pv, localAdmin);
  assert.ok(tpage.url().endsWith("/emergency"), "the local administrator starts on the emergency page");
  await tpage.fill("#f-name", "Vikar Nattevagt");
  await tpage.fill("#f-reason", "Akut sygdom på nattevagten");
  await tpage.fill("#f-valid_to", isoDate(2));
  await screenshot(tpage, "emergency");
  await checkAccessibility(tpage, "emergency");
  await tpage.click("form[action='/emergency'] button[type=submit]");
  assert.match(await tpage.textContent("#receipt"), /Nødkonto til Vikar Nattevagt/);
  await tablet.close();

  // The newcomer leaves again: the orderer reports it and every account ends at once.
  const again = await browser.newContext({ locale: "da-DK" });
  const opage = await again.newPage();
  await login(opage, pv, orderer);
  // The account's page offers the orders about it.
  const [account] = (await api(pv, "GET", `/api/v1/accounts?person_id=${newcomer.id}`)).items;
  await opage.goto(pv.base + `/accounts/${account.id}`);
  // One action at a time, each behind its heading.
  assert.equal(await opage.getByRole("button", { name: "Bestil forlængelse" }).count(), 0, "closed until chosen");
  await opage.getByText("Forlæng kontoen").click();
  assert.equal(await opage.getByRole("button", { name: "Bestil forlængelse" }).count(), 1);
  await screenshot(opage, "account-orders");
  await checkAccessibility(opage, "account (orderer)");
  await opage.getByRole("link", { name: "Mine medarbejdere" }).click();
  await opage.getByRole("link", { name: "Tove Testesen" }).click();
  await opage.getByText("Meld fratrådt", { exact: true }).click();
  opage.once("dialog", (d) => {
    assert.match(d.message(), /Tove Testesen mister al adgang/);
    d.accept();
  });
  await opage.getByRole("button", { name: "Meld Tove Testesen fratrådt" }).click();
  await opage.waitForSelector("#page-success");
  assert.match(await opage.textContent("#page-success"), /Alle konti er lukket i Portvagt/);
  const ended = await api(pv, "GET", `/api/v1/accounts?person_id=${newcomer.id}`);
  assert.deepEqual(ended.items.map((a) => a.status), ["terminated"], "the leaver's account ended at once");
  await again.close();
});
