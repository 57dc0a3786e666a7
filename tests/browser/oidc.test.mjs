// Login through a real OpenID Connect provider (the `oidc-provider` package on a loopback
// port): a known subject logs in; a tampered state and a tampered nonce are refused; an
// identity with no Portvagt user gets a clear message. Every refusal is audited.
// REQ: AUTH-1, SEC-1

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import Provider from "oidc-provider";
import { startPortvagt, api, launch, freePort, checkAccessibility, screenshot } from "./lib.mjs";

let pv;
let provider;
let server;
let browser;
let issuer;

before(async () => {
  const pvPort = await freePort();
  const opPort = await freePort();
  issuer = `http://127.0.0.1:${opPort}`;
  const base = `http://127.0.0.1:${pvPort}`;
  provider = new Provider(issuer, {
    clients: [
      {
        client_id: "portvagt",
        client_secret: "portvagt-test-secret",
        redirect_uris: [`${base}/login/oidc/callback`],
        grant_types: ["authorization_code"],
        response_types: ["code"],
      },
    ],
    findAccount: async (_ctx, id) => ({ accountId: id, claims: async () => ({ sub: id }) }),
    features: { devInteractions: { enabled: true } },
    pkce: { required: () => true },
  });
  provider.proxy = false;
  server = provider.listen(opPort, "127.0.0.1");
  pv = await startPortvagt({
    preset: "viborg",
    listen: `127.0.0.1:${pvPort}`,
    env: { PORTVAGT_OIDC_ISSUER: issuer, PORTVAGT_OIDC_CLIENT_ID: "portvagt", PORTVAGT_OIDC_CLIENT_SECRET: "portvagt-test-secret" },
  });
  assert.equal(pv.base, base);
  pv.cli("create-user", "--username", "revisor", "--display-name", "Rikke Revisor", "--role", "auditor", "--oidc-subject", "rikke@kommune.dk");
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await pv?.stop();
  server?.close();
});

/** The provider's development login and consent screens. */
async function signInAtProvider(page, login) {
  await page.waitForURL((u) => u.toString().startsWith(issuer));
  await page.fill("input[name=login]", login);
  await page.fill("input[name=password]", "any");
  await page.click("button[type=submit]");
  if (page.url().startsWith(issuer)) {
    await page.click("button[type=submit]"); // consent
  }
}

async function failedLogins(reason) {
  const auditor = pv.cli("create-token", "--name", "audit reader", "--role", "auditor");
  const page = await api(pv, "POST", "/api/v1/audit/search", { action: "login.failed", limit: 100 }, auditor);
  return page.items.filter((e) => e.details?.reason === reason).length;
}

test("a user known by their OIDC subject logs in through the provider", async () => {
  const context = await browser.newContext({ locale: "da-DK" });
  const page = await context.newPage();
  await page.goto(pv.base + "/login");
  await checkAccessibility(page, "login");
  await screenshot(page, "login");
  await page.getByRole("link", { name: "Log ind med din organisations login" }).click();
  await signInAtProvider(page, "rikke@kommune.dk");
  await page.waitForURL(pv.base + "/");
  assert.equal(await page.textContent("h1"), "Overblik");
  assert.match(await page.textContent("header"), /Rikke Revisor/);
  await context.close();
});

test("an answer with a tampered state is refused", async () => {
  const before = await failedLogins("state_mismatch");
  const context = await browser.newContext({ locale: "da-DK" });
  const page = await context.newPage();
  // Start a login (the pending session cookie is set), then come back with another state.
  await page.goto(pv.base + "/login/oidc");
  await page.waitForURL((u) => u.toString().startsWith(issuer));
  await page.goto(pv.base + "/login/oidc/callback?code=forged&state=forged");
  assert.match(await page.textContent("#login-error"), /kunne ikke godkendes/);
  assert.equal(await failedLogins("state_mismatch"), before + 1);
  await context.close();
});

test("an ID token with a tampered nonce is refused", async () => {
  const before = await failedLogins("id_token_invalid");
  const context = await browser.newContext({ locale: "en-GB" });
  const page = await context.newPage();
  // Start the login without following the redirect (the context keeps the session
  // cookie), then go to the provider with another nonce than the one Portvagt sent.
  const start = await context.request.get(pv.base + "/login/oidc", { maxRedirects: 0 });
  assert.equal(start.status(), 303);
  const url = new URL(start.headers()["location"]);
  assert.ok(url.searchParams.get("code_challenge"), "PKCE challenge sent");
  assert.equal(url.searchParams.get("code_challenge_method"), "S256");
  url.searchParams.set("nonce", "tampered-" + url.searchParams.get("nonce"));
  await page.goto(url.toString());
  await signInAtProvider(page, "rikke@kommune.dk");
  await page.waitForURL((u) => u.toString().startsWith(pv.base));
  assert.match(await page.textContent("#login-error"), /could not be accepted/);
  assert.equal(await failedLogins("id_token_invalid"), before + 1);
  // No session came of it.
  await page.goto(pv.base + "/");
  assert.ok(page.url().includes("/login"));
  await context.close();
});

test("an identity without a Portvagt user gets a clear message", async () => {
  const context = await browser.newContext({ locale: "sv-SE" });
  const page = await context.newPage();
  await page.goto(pv.base + "/login/oidc");
  await signInAtProvider(page, "okand@leverantor.se");
  await page.waitForURL((u) => u.toString().startsWith(pv.base));
  assert.match(await page.textContent("#login-error"), /Det finns ingen användare i Portvagt för den här identiteten \(okand@leverantor.se\)/);
  assert.equal(await failedLogins("unknown_oidc_subject"), 1);
  await context.close();
});
