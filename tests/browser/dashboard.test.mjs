// The dashboard says what needs the person today, per role, and every figure is a link
// to the list it counts: the coordinator, the department head, the supplier's orderer
// and the IT operator each open their figures and find that many rows.
// REQ: RPT-1

import { test } from "node:test";
import assert from "node:assert/strict";
import { demoSuite, createUser, login, api, checkAccessibility, screenshot } from "./lib.mjs";

const suite = demoSuite("taarnby");

/** The tiles of a section by its heading: [{ count, label, href }]. */
async function tiles(page, heading) {
  const section = page.locator("section", { has: page.getByRole("heading", { name: heading, exact: true }) });
  return section.locator("a.pv-tile").evaluateAll((as) =>
    as.map((a) => ({
      count: Number(a.querySelector(".pv-tile-count").textContent.replace(/\D/g, "")),
      label: a.querySelector(".pv-tile-label").textContent.trim(),
      href: a.getAttribute("href"),
    })),
  );
}

/** How many rows the list a tile opens shows in all: its "Viser 1–N af M", or the rows
 * of the section the link points to. */
async function countOnList(page, href) {
  const [, anchor] = href.split("#");
  if (anchor) {
    // A section of a page: its heading carries its count, "Fejlende ændringer (3)".
    const m = (await page.locator(`#${anchor} h2`).first().textContent()).match(/\((\d+)\)/);
    return m ? Number(m[1]) : page.locator(`#${anchor} table tbody tr`).evaluateAll((trs) => trs.filter((tr) => !tr.querySelector("td[colspan]")).length);
  }
  const range = page.locator(".pv-list-summary [role=status]");
  if (await range.count()) {
    const m = (await range.textContent()).match(/af ([\d.]+)\s*$/);
    return m ? Number(m[1].replace(/\./g, "")) : 0;
  }
  return page.locator("main table tbody tr").evaluateAll((trs) => trs.filter((tr) => !tr.querySelector("td[colspan]")).length);
}

/** Opens every tile of "Kræver handling" and "Nøgletal" by clicking it, as the person
 * would, and checks that the list shows as many rows as the figure said. */
async function everyFigureOpensItsList(page, pv, role) {
  await page.goto(pv.base + "/");
  const needs = await tiles(page, "Kræver handling");
  const figures = await tiles(page, "Nøgletal");
  for (const t of [...needs, ...figures]) {
    await page.goto(pv.base + "/");
    await page.locator(`a.pv-tile[href="${t.href}"]`).first().click();
    await page.waitForLoadState("domcontentloaded");
    assert.doesNotMatch(await page.title(), /fejl|findes ikke/i, `${role}: ${t.label} opens a page`);
    assert.equal(await countOnList(page, t.href), t.count, `${role}: "${t.label}" (${t.count}) opens a list of that many`);
  }
  return needs;
}

test("each role's dashboard says what needs them, and every figure opens the list it counts", async () => {
  const { pv, browser } = suite;
  const departments = (await api(pv, "GET", "/api/v1/departments?page_size=50")).items;
  const homeCare = departments.find((d) => d.name === "Hjemmeplejen") || departments[0];
  const orderer = (await api(pv, "GET", "/api/v1/orderers?page_size=1")).items[0];
  const roles = [
    ["security_coordinator", createUser(pv, "koordinator.overblik", "--role", "security_coordinator")],
    ["department_head", createUser(pv, "leder.overblik", "--role", "department_head", "--department-id", homeCare.id)],
    ["supplier_orderer", createUser(pv, "bestiller.overblik", "--role", "supplier_orderer", "--supplier-id", orderer.supplier_id, "--person-id", orderer.person_id)],
    ["it_operator", createUser(pv, "drift.overblik", "--role", "it_operator")],
  ];
  const expected = {
    security_coordinator: ["Bestillinger der venter på din godkendelse", "Nødkonti over fristen for godkendelse", "Aftaler der udløber inden 60 dage", "Medarbejdere med konto, der mangler dokumentation", "Manuelle opgaver ældre end 2 dage", "Ændringer i målsystemer, der fejler"],
    department_head: ["Bestillinger der venter på din godkendelse", "Vikarer med nødkonto, der venter på din godkendelse"],
    supplier_orderer: ["Medarbejdere med konto, der mangler dokumentation", "Konti der udløber inden 30 dage"],
    it_operator: ["Åbne manuelle opgaver", "Ændringer i målsystemer, der fejler"],
  };
  for (const [role, user] of roles) {
    for (const viewport of [{ width: 1280, height: 1000 }, { width: 820, height: 1180 }]) {
      const context = await browser.newContext({ locale: "da-DK", viewport });
      const page = await context.newPage();
      await login(page, pv, user);
      await page.goto(pv.base + "/");
      assert.match(await page.textContent("main"), /Opgjort \d\d\.\d\d\.\d{4}/, `${role}: when the figures were counted`);
      const needs = await tiles(page, "Kræver handling");
      for (const label of expected[role]) {
        assert.ok(needs.some((t) => t.label === label), `${role}: "${label}" among ${JSON.stringify(needs.map((t) => t.label))}`);
      }
      // What is not theirs is not offered.
      const labels = needs.map((t) => t.label).join(" | ");
      if (role !== "security_coordinator") assert.doesNotMatch(labels, /over fristen for godkendelse/, `${role}: no coordinator follow-up`);
      if (role === "supplier_orderer") {
        assert.doesNotMatch(await page.textContent("main"), /Nødkonti|pr\. leverandør/, "the orderer sees no emergency accounts and no per-supplier chart");
      }
      // Charts: legible labels, nothing cut, the figures behind "Vis som tabel".
      const small = await page.locator(".pv-bar-label, .pv-bar-value").evaluateAll((els) => els.filter((e) => parseFloat(getComputedStyle(e).fontSize) < 12).length);
      assert.equal(small, 0, `${role}: chart labels at least 12 px`);
      const tables = page.locator("details.pv-as-table");
      assert.ok((await tables.count()) >= 2, `${role}: charts with their tables`);
      assert.equal(await tables.count(), await page.locator(".pv-bars").count(), `${role}: every chart has its table`);
      assert.equal(await tables.first().locator("table").isVisible(), false, "the table is folded away");
      await tables.first().locator("summary").click();
      assert.ok(await tables.first().locator("table").isVisible(), "Vis som tabel opens it");
      assert.match(await page.textContent("main"), /Konti oprettet og lukket pr\. måned/, `${role}: the 12-month trend`);
      const trend = page.locator("section", { has: page.getByRole("heading", { name: "Bestillinger pr. måned" }) });
      const months = await trend.locator(".pv-bar-row").count();
      if (months === 0) assert.match(await trend.textContent(), /Intet i de seneste 12 måneder/, `${role}: an empty trend says so`);
      else assert.equal(months, 12, `${role}: twelve months`);
      await checkAccessibility(page, `dashboard of ${role} at ${viewport.width}`);
      await screenshot(page, `dashboard-${role}-${viewport.width}`);
      if (viewport.width === 1280) {
        const shown = await everyFigureOpensItsList(page, pv, role);
        assert.ok(shown.length > 0, `${role}: something to count`);
        if (role === "security_coordinator") {
          // The lists say what is missing, so the coordinator knows whom to ask.
          for (const href of ["/registry?kind=agreement&attention=incomplete", "/registry?kind=person&attention=evidence"]) {
            await page.goto(pv.base + href);
            const rows = await page.locator("main table").first().locator("tbody tr").allTextContents();
            assert.ok(rows.length > 0 && rows.every((r) => /Mangler: \S/.test(r)), `${href}: ${rows.slice(0, 3).join(" | ")}`);
          }
          await screenshot(page, "dashboard-coordinator-missing-evidence");
        }
      }
      await context.close();
    }
  }
});
