// GeoGuide viewer: upload a point cloud with labels to `api/segment` and show
// the points coloured by label (three.js Points, orbit controls) with a legend.
// Plain browser ES module; "three" comes from the page's import map.

import * as THREE from "three";
import { OrbitControls } from "./vendor/OrbitControls.js";

const $ = (id) => document.getElementById(id);
const els = {
  drop: $("drop"),
  dropText: $("drop-text"),
  file: $("file"),
  form: $("form"),
  labels: $("labels"),
  model: $("model"),
  minScore: $("min-score"),
  button: $("segment"),
  status: $("status"),
  legend: $("legend"),
  canvas: $("canvas"),
  token: $("token"),
};

// The Segment token, when the server has one: kept for this tab only.
els.token.value = sessionStorage.getItem("geoguide-token") ?? "";
els.token.addEventListener("change", () => {
  sessionStorage.setItem("geoguide-token", els.token.value.trim());
  loadModels();
});
const authHeaders = () => {
  const t = els.token.value.trim();
  return t ? { authorization: `Bearer ${t}` } : {};
};

let chosen = null; // the File to segment
let result = null; // { positions (centred), labels, colors, names }
const hidden = new Set(); // label indices (−1 = unknown) not drawn

// ---------------------------------------------------------------- 3D view

const renderer = new THREE.WebGLRenderer({
  canvas: els.canvas,
  antialias: true,
  preserveDrawingBuffer: true, // lets tests and users read the canvas back
});
renderer.setPixelRatio(globalThis.devicePixelRatio || 1);
renderer.setClearColor(0x20242b);
const scene = new THREE.Scene();
const camera = new THREE.PerspectiveCamera(50, 1, 0.01, 1000);
camera.up.set(0, 0, 1); // clouds are z-up
camera.position.set(4, -6, 4);
const controls = new OrbitControls(camera, els.canvas);
const geometry = new THREE.BufferGeometry();
const material = new THREE.PointsMaterial({ size: 2, sizeAttenuation: false, vertexColors: true });
const points = new THREE.Points(geometry, material);
points.frustumCulled = false;
scene.add(points);

function render() {
  renderer.render(scene, camera);
}

function resize() {
  const { clientWidth: w, clientHeight: h } = els.canvas.parentElement;
  if (w === 0 || h === 0) return;
  renderer.setSize(w, h, false);
  camera.aspect = w / h;
  camera.updateProjectionMatrix();
  render();
}
new ResizeObserver(resize).observe(els.canvas.parentElement);
controls.addEventListener("change", render);

/** Linear-space RGB of an sRGB 0..255 triple (three.js works in linear colour). */
function linear([r, g, b]) {
  const c = new THREE.Color().setRGB(r / 255, g / 255, b / 255, THREE.SRGBColorSpace);
  return [c.r, c.g, c.b];
}

/** Fills the geometry with the points whose label is not hidden. */
function draw() {
  if (!result) return;
  const { positions, labels, colors } = result;
  let n = 0;
  for (let i = 0; i < labels.length; i++) if (!hidden.has(labels[i])) n++;
  const pos = new Float32Array(3 * n), col = new Float32Array(3 * n);
  const lin = new Map([[-1, linear(colors.unknown)]]);
  colors.labels.forEach((c, i) => lin.set(i, linear(c)));
  for (let i = 0, j = 0; i < labels.length; i++) {
    if (hidden.has(labels[i])) continue;
    const c = lin.get(labels[i]) ?? lin.get(-1);
    for (let k = 0; k < 3; k++) {
      pos[3 * j + k] = positions[3 * i + k];
      col[3 * j + k] = c[k];
    }
    j++;
  }
  geometry.setAttribute("position", new THREE.BufferAttribute(pos, 3));
  geometry.setAttribute("color", new THREE.BufferAttribute(col, 3));
  geometry.computeBoundingSphere();
  render();
}

/** Points the camera at a cloud of radius `radius` centred at the origin. */
function frame(radius) {
  const d = Math.max(radius, 1e-3) * 2.2;
  camera.near = d / 1000;
  camera.far = d * 20;
  camera.position.set(d * 0.55, -d * 0.75, d * 0.6);
  controls.target.set(0, 0, 0);
  camera.updateProjectionMatrix();
  controls.update();
}

// ---------------------------------------------------------------- data

function decodeBase64(text) {
  const bin = atob(text);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes.buffer;
}

/** Moves the cloud's bounding-box centre to the origin; returns its half diagonal. */
function centre(positions) {
  const lo = [Infinity, Infinity, Infinity], hi = [-Infinity, -Infinity, -Infinity];
  for (let i = 0; i < positions.length; i += 3) {
    for (let k = 0; k < 3; k++) {
      lo[k] = Math.min(lo[k], positions[i + k]);
      hi[k] = Math.max(hi[k], positions[i + k]);
    }
  }
  const mid = lo.map((v, k) => (v + hi[k]) / 2);
  for (let i = 0; i < positions.length; i += 3) {
    for (let k = 0; k < 3; k++) positions[i + k] -= mid[k];
  }
  return Math.hypot(hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]) / 2;
}

// ---------------------------------------------------------------- UI

function setStatus(text, state) {
  els.status.textContent = text;
  if (state) document.body.dataset.state = state;
}

const fmt = (ms) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));

function legendRow(index, name, count, rgb) {
  const li = document.createElement("li");
  li.dataset.label = name;
  li.dataset.index = String(index);
  li.dataset.count = String(count);
  const swatch = document.createElement("span");
  swatch.className = "swatch";
  swatch.style.background = `rgb(${rgb.join(",")})`;
  const text = document.createElement("span");
  text.className = "name";
  text.textContent = name;
  const num = document.createElement("span");
  num.className = "count";
  num.textContent = count.toLocaleString("en-US");
  li.append(swatch, text, num);
  if (count === 0) li.classList.add("empty");
  else {
    li.title = "Click to hide or show";
    li.addEventListener("click", () => {
      if (hidden.has(index)) hidden.delete(index);
      else hidden.add(index);
      li.classList.toggle("hidden", hidden.has(index));
      draw();
    });
  }
  return li;
}

function showLegend() {
  const { labels, names, colors } = result;
  const counts = new Map();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  els.legend.replaceChildren(
    ...names.map((name, i) => legendRow(i, name, counts.get(i) ?? 0, colors.labels[i])),
    legendRow(-1, "unknown", counts.get(-1) ?? 0, colors.unknown),
  );
}

function choose(file) {
  chosen = file ?? null;
  els.button.disabled = !chosen;
  if (chosen) {
    els.dropText.textContent = `${chosen.name} (${(chosen.size / 1024).toFixed(0)} KiB)`;
    setStatus("Ready: press Segment.", "idle");
  }
}

async function segment() {
  if (!chosen) return;
  const names = els.labels.value.split(",").map((s) => s.trim()).filter((s) => s);
  if (names.length === 0) return setStatus("Type at least one label.", "error");
  const query = new URLSearchParams({ labels: names.join(","), name: chosen.name });
  if (els.model.value) query.set("model", els.model.value);
  if (els.minScore.value !== "") query.set("minScore", els.minScore.value);
  els.button.disabled = true;
  setStatus(`Segmenting ${chosen.name}…`, "busy");
  const t0 = performance.now();
  try {
    const res = await fetch(`api/segment?${query}`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream", ...authHeaders() },
      body: chosen,
    });
    const body = await res.json().catch(() => ({ error: `HTTP ${res.status}` }));
    if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
    const positions = new Float32Array(decodeBase64(body.positions));
    const labels = new Int16Array(decodeBase64(body.labels));
    hidden.clear();
    result = { positions, labels, names, colors: body.colors };
    frame(centre(positions));
    draw();
    showLegend();
    const t = body.timing;
    const roundTrip = performance.now() - t0;
    setStatus(
      `${body.pointCount.toLocaleString("en-US")} points · ${body.model} v${body.version} · ` +
        `decode ${fmt(t.decode)} ms, features ${fmt(t.features)} ms, adapter ${
          fmt(t.adapter)
        } ms, ` +
        `text ${fmt(t.text)} ms, server ${fmt(t.total)} ms, round trip ${fmt(roundTrip)} ms`,
      "done",
    );
  } catch (e) {
    setStatus(`Failed: ${e.message}`, "error");
  } finally {
    els.button.disabled = !chosen;
  }
}

els.file.addEventListener("change", () => choose(els.file.files[0]));
els.drop.addEventListener("dragover", (e) => {
  e.preventDefault();
  els.drop.classList.add("over");
});
els.drop.addEventListener("dragleave", () => els.drop.classList.remove("over"));
els.drop.addEventListener("drop", (e) => {
  e.preventDefault();
  els.drop.classList.remove("over");
  choose(e.dataTransfer.files[0]);
});
els.form.addEventListener("submit", (e) => {
  e.preventDefault();
  segment();
});

function loadModels() {
  fetch("api/models", { headers: authHeaders() }).then((r) => r.json()).then(showModels).catch(
    () => {},
  );
}

function showModels(info) {
  if (info.error) return setStatus(info.error, "idle");
  const models = [...(info.models ?? [])].sort((a, b) => Number(b.isDefault) - Number(a.isDefault));
  if (models.length > 0) {
    els.model.replaceChildren(...models.map((m) => {
      const opt = document.createElement("option");
      opt.value = m.isDefault ? "" : m.name;
      opt.textContent = m.isDefault ? `${m.name} (default)` : m.name;
      return opt;
    }));
  }
  if (info.ready === false) setStatus("The server has no model loaded yet.", "idle");
}
loadModels();

resize();
