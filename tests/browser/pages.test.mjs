// Every page of every role, as the design system means it: no console error, the design
// system's typeface in use, WCAG 2.1 AA by axe-core at desktop and phone size, the
// municipality's name in the header, the service desk and the accessibility statement
// in the footer, and the menu on one row at 1280 px.
// REQ: OPS-2, ORG-1

import { test } from "node:test";
import assert from "node:assert/strict";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { demoSuite, startPortvagt, createUser, login, api, checkAccessibility, screenshot } from "./lib.mjs";

const here = dirname(fileURLToPath(import.meta.url));

const suite = demoSuite("taarnby");

const SIZES = [
  { name: "desktop", viewport: { width: 1280, height: 900 } },
  { name: "phone", viewport: { width: 390, height: 844 } },
];

/** The pages a role reaches: its menu, and the first record each list links to. */
async function pagesOf(page, base) {
  const menu = await page.$$eval("nav.pv-nav a", (as) => as.map((a) => a.getAttribute("href")));
  const out = new Set(menu);
  for (const href of menu) {
    await page.goto(base + href);
    const first = await page.$$eval("main table tbody tr a", (as) => as.slice(0, 1).map((a) => a.getAttribute("href")));
    for (const f of first) if (f.startsWith("/")) out.add(f.split("?")[0]);
  }
  out.add("/me/password");
  return [...out];
}

async function checkPage(page, base, href, size, errors) {
  errors.length = 0;
  const res = await page.goto(base + href);
  assert.ok(res.status() < 400, `${href}: ${res.status()}`);
  await page.evaluate(() => document.fonts.ready);
  const plex = await page.evaluate(() => [...document.fonts].some((f) => f.family.replace(/"/g, "") === "IBM Plex Sans" && f.status === "loaded"));
  assert.ok(plex, `${href}: IBM Plex Sans is loaded and in use`);
  assert.deepEqual(errors, [], `${href} (${size}): no console errors`);
  await checkAccessibility(page, `${href} at ${size}`);
}

for (const [role, username] of [
  ["security_coordinator", "koordinator.alle"],
  ["supplier_orderer", "bestiller.alle"],
  ["department_head", "leder.alle"],
  ["local_administrator", "lokal.alle"],
  ["administrator", "admin.alle"],
  ["dpo", "dpo.alle"],
]) {
  test(`every page of the ${role.replace("_", " ")} at desktop and phone size`, async () => {
    const { pv, browser } = suite;
    const extra = [];
    // Who they are in the demo's registry (read, not changed).
    if (role === "supplier_orderer") {
      const o = (await api(pv, "GET", "/api/v1/orderers?page_size=1")).items[0];
      extra.push("--supplier-id", o.supplier_id, "--person-id", o.person_id);
    }
    if (role === "department_head" || role === "local_administrator") {
      const d = (await api(pv, "GET", "/api/v1/departments?page_size=1")).items[0];
      const p = (await api(pv, "GET", "/api/v1/persons?page_size=1")).items[0];
      extra.push("--department-id", d.id, "--person-id", p.id);
    }
    const user = createUser(pv, username, "--role", role, ...extra);
    for (const size of SIZES) {
      const context = await browser.newContext({ locale: "da-DK", viewport: size.viewport });
      const page = await context.newPage();
      const errors = [];
      page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
      page.on("pageerror", (e) => errors.push(String(e)));
      await login(page, pv, user);
      if (size.name === "desktop") {
        assert.match(await page.textContent(".pv-brand"), /Portvagt\s*Tårnby Kommune/, "the municipality beside Portvagt");
        assert.match(await page.textContent("footer"), /Servicedesk/, "the service desk in the footer (ORG-1)");
        const rows = await page.$$eval("nav.pv-nav li", (lis) => new Set(lis.map((li) => li.getBoundingClientRect().top)).size);
        assert.equal(rows, 1, "the menu on one row at 1280 px");
      }
      const pages = await pagesOf(page, pv.base);
      for (const href of pages) await checkPage(page, pv.base, href, size.name, errors);
      await screenshot(page, `pages-${role}-${size.name}`);
      await context.close();
    }
  });
}

test("the accessibility statement is public and names where to complain", async () => {
  const { pv, browser } = suite;
  const context = await browser.newContext({ locale: "da-DK", viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await page.goto(pv.base + "/login");
  await page.getByRole("link", { name: "Tilgængelighedserklæring" }).click();
  assert.match(await page.textContent("h1"), /Tilgængelighedserklæring/);
  assert.match(await page.textContent("main"), /Digitaliseringsstyrelsen/);
  await checkAccessibility(page, "accessibility statement (phone)");
  await screenshot(page, "accessibility-statement-phone");
  await context.close();
});

test("the municipality's logo stands beside its name in the header, at desktop and phone size", async () => {
  const { browser } = suite;
  const pv = await startPortvagt({ env: { PORTVAGT_LOGO_FILE: join(here, "fixtures", "logo.svg") } });
  try {
    const coordinator = createUser(pv, "logo-koordinator", "--role", "security_coordinator");
    for (const size of SIZES) {
      const context = await browser.newContext({ locale: "da-DK", viewport: size.viewport });
      const page = await context.newPage();
      await page.goto(pv.base + "/login");
      const logo = page.locator(".pv-brand img.pv-brand-logo");
      assert.ok(await logo.evaluate((img) => img.complete && img.naturalWidth > 0), "the logo loads");
      const box = await logo.boundingBox();
      assert.ok(box.height >= 28 && box.height <= 44, `the logo is header-sized (${box.height} px)`);
      await login(page, pv, coordinator);
      assert.match(await page.textContent(".pv-brand"), /Portvagt\s*Tårnby Kommune/, "the name stays beside the logo");
      await checkAccessibility(page, `header with a logo (${size.name})`);
      await screenshot(page, `header-logo-${size.name}`);
      await context.close();
    }
  } finally {
    await pv.stop();
  }
});
