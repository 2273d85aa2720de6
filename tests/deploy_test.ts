/**
 * Offline validation of the Kubernetes manifests: every overlay renders with
 * `kubectl kustomize`, every rendered object validates against the Kubernetes
 * OpenAPI schemas (kubernetes-models), and probes and ports agree with the
 * server's configuration defaults in code.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { DEFAULT_GRPC_PORT, DEFAULT_HTTP_PORT, SETTINGS } from "../src/server/config.ts";

const ROOT = fileURLToPath(new URL("../deploy/k8s/", import.meta.url));
const OVERLAYS = ["cpu", "gpu"];
// deno-lint-ignore no-explicit-any
type Obj = Record<string, any>;

function hasKubectl(): boolean {
  try {
    execFileSync("kubectl", ["version", "--client"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
const kubectl = hasKubectl();

function render(overlay: string): Obj[] {
  const out = execFileSync("kubectl", ["kustomize", ROOT + "overlays/" + overlay], {
    encoding: "utf8",
  });
  return parseAllDocuments(out).map((d) => d.toJSON() as Obj).filter((o) => o);
}

/** Loads the kubernetes-models class for an object's apiVersion/kind. */
async function modelClass(o: Obj): Promise<new (x: Obj) => { validate(): void }> {
  const [group, version] = o.apiVersion.includes("/")
    ? o.apiVersion.split("/")
    : ["", o.apiVersion];
  const path = group ? `kubernetes-models/${group}/${version}` : `kubernetes-models/${version}`;
  const mod = await import(path);
  const cls = mod[o.kind];
  assert.ok(cls, `no schema for ${o.apiVersion} ${o.kind}`);
  return cls;
}

function containers(objs: Obj[]): Obj[] {
  return objs.filter((o) => o.kind === "Deployment").flatMap((d) =>
    d.spec.template.spec.containers.map((c: Obj) => ({ ...c, deployment: d.metadata.name }))
  );
}

Deno.test({
  name: "deploy: every overlay renders and validates against the Kubernetes schemas",
  ignore: !kubectl,
  async fn() {
    for (const overlay of OVERLAYS) {
      const objs = render(overlay);
      const kinds = new Set(objs.map((o) => o.kind));
      for (
        const k of [
          "Deployment",
          "Service",
          "ConfigMap",
          "PersistentVolumeClaim",
          "PodDisruptionBudget",
          "NetworkPolicy",
          "HorizontalPodAutoscaler",
        ]
      ) {
        assert.ok(kinds.has(k), `${overlay}: no ${k}`);
      }
      for (const o of objs) {
        const Cls = await modelClass(o);
        assert.doesNotThrow(
          () => new Cls(o).validate(),
          `${overlay}: ${o.kind} ${o.metadata?.name}`,
        );
      }
    }
  },
});

Deno.test({
  name: "deploy: probes and ports point at the ports the server opens by default",
  ignore: !kubectl,
  fn() {
    for (const overlay of OVERLAYS) {
      const objs = render(overlay);
      const cm = objs.find((o) => o.kind === "ConfigMap" && o.metadata.name === "geoguide-config")!;
      assert.equal(Number(cm.data.GEOGUIDE_GRPC_PORT), DEFAULT_GRPC_PORT);
      assert.equal(Number(cm.data.GEOGUIDE_HTTP_PORT), DEFAULT_HTTP_PORT);
      for (const c of containers(objs)) {
        const ports = Object.fromEntries(c.ports.map((p: Obj) => [p.name, p.containerPort]));
        assert.equal(ports.grpc, DEFAULT_GRPC_PORT, `${c.deployment} grpc port`);
        assert.equal(ports.http, DEFAULT_HTTP_PORT, `${c.deployment} http port`);
        assert.equal(c.startupProbe.grpc.port, DEFAULT_GRPC_PORT);
        assert.equal(c.readinessProbe.grpc.port, DEFAULT_GRPC_PORT);
        assert.match(c.readinessProbe.grpc.service, /^geoguide\.v1\.(Segmentation|Training)$/);
        assert.equal(c.livenessProbe.httpGet.path, "/healthz");
        assert.equal(ports[c.livenessProbe.httpGet.port], DEFAULT_HTTP_PORT);
        assert.equal(c.securityContext.readOnlyRootFilesystem, true);
        assert.deepEqual(c.securityContext.capabilities.drop, ["ALL"]);
        assert.ok(c.resources.requests.cpu && c.resources.limits.memory);
      }
      for (const s of objs.filter((o) => o.kind === "Service")) {
        for (const p of s.spec.ports) {
          assert.ok([DEFAULT_GRPC_PORT, DEFAULT_HTTP_PORT].includes(p.port), `${s.metadata.name}`);
        }
      }
    }
  },
});

Deno.test({
  name: "deploy: the GPU overlay asks for one GPU on GPU nodes, the CPU overlay for none",
  ignore: !kubectl,
  fn() {
    for (const c of containers(render("gpu"))) {
      assert.equal(c.resources.limits["nvidia.com/gpu"], 1, c.deployment);
    }
    const gpuPods = render("gpu").filter((o) => o.kind === "Deployment");
    for (const d of gpuPods) {
      assert.ok(d.spec.template.spec.tolerations.some((t: Obj) => t.key === "nvidia.com/gpu"));
      assert.equal(d.spec.template.spec.nodeSelector["nvidia.com/gpu.present"], "true");
    }
    for (const c of containers(render("cpu"))) {
      assert.equal(c.resources.limits["nvidia.com/gpu"], undefined);
    }
    for (const d of render("cpu").filter((o) => o.kind === "Deployment")) {
      assert.equal(d.spec.template.spec.securityContext.runAsNonRoot, true);
    }
  },
});

Deno.test("deploy: the schema validator rejects a malformed Deployment", async () => {
  const bad = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "bad" },
    spec: { replicas: "two", selector: {}, template: {} },
  };
  const Cls = await modelClass(bad);
  assert.throws(() => new Cls(bad).validate(), /replicas/);
});

Deno.test({
  name: "deploy: every GEOGUIDE_* variable and container flag is a setting the server reads",
  ignore: !kubectl,
  fn() {
    const envs = new Set([...SETTINGS.map((s) => s.env), "GEOGUIDE_CACHE_DIR"]);
    const flags = new Set(SETTINGS.map((s) => "--" + s.flag));
    for (const overlay of OVERLAYS) {
      const objs = render(overlay);
      const cm = objs.find((o) => o.kind === "ConfigMap" && o.metadata.name === "geoguide-config")!;
      for (const k of Object.keys(cm.data)) assert.ok(envs.has(k), `${overlay}: unknown ${k}`);
      for (const c of containers(objs)) {
        for (const e of c.env ?? []) {
          if (e.name.startsWith("GEOGUIDE_")) {
            assert.ok(envs.has(e.name), `${c.deployment}: ${e.name}`);
          }
        }
        const args: string[] = c.args ?? [];
        assert.equal(args[0], "serve");
        for (const a of args.filter((x) => x.startsWith("--"))) {
          assert.ok(flags.has(a), `${c.deployment}: unknown flag ${a}`);
        }
      }
    }
  },
});
