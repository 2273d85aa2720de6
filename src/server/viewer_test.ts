import assert from "node:assert/strict";
import { viewerHandler } from "./viewer.ts";

async function answer(
  handle: (r: Request) => Promise<Response | undefined>,
  req: Request,
): Promise<Response> {
  const res = await handle(req);
  assert.ok(res, `${req.method} ${req.url} was not handled`);
  return res;
}

Deno.test("viewer serves its page, script, style and three.js; other paths are not its own", async () => {
  const handle = viewerHandler();
  const page = await answer(handle, new Request("http://viewer.test/"));
  assert.equal(page.status, 200);
  assert.match(page.headers.get("content-type")!, /^text\/html/);
  const html = await page.text();
  assert.match(html, /type="importmap"/);
  assert.match(html, /<input id="file" type="file"/);
  const script = await answer(handle, new Request("http://viewer.test/viewer.js"));
  assert.match(script.headers.get("content-type")!, /^text\/javascript/);
  const js = await script.text();
  const css = await answer(handle, new Request("http://viewer.test/viewer.css"));
  assert.match(css.headers.get("content-type")!, /^text\/css/);
  await css.body?.cancel();
  // Every module the page loads must be served: follow the relative imports.
  const three =
    await (await answer(handle, new Request("http://viewer.test/vendor/three.module.js"))).text();
  const imports = [
    ...js.matchAll(/from "\.\/(vendor\/[^"]+)"/g),
    ...three.matchAll(/from '\.\/([^']+)'/g),
  ]
    .map((m) => m[1].startsWith("vendor/") ? `/${m[1]}` : `/vendor/${m[1]}`);
  assert.ok(
    imports.includes("/vendor/OrbitControls.js") && imports.includes("/vendor/three.core.js"),
  );
  for (const path of imports) {
    const res = await answer(handle, new Request(`http://viewer.test${path}`));
    assert.equal(res.status, 200, path);
    assert.ok((await res.text()).length > 1000, path);
  }
  const head = await answer(handle, new Request("http://viewer.test/", { method: "HEAD" }));
  assert.equal(head.status, 200);
  assert.equal(await head.text(), "");
  assert.equal(await handle(new Request("http://viewer.test/healthz")), undefined);
  assert.equal(await handle(new Request("http://viewer.test/vendor/three.cjs")), undefined);
  const wrong = await answer(
    handle,
    new Request("http://viewer.test/", { method: "POST", body: "x" }),
  );
  assert.equal(wrong.status, 405);
  assert.match(await wrong.text(), /GET/);
  assert.equal(await handle(new Request("http://viewer.test/api/segment")), undefined);
});
