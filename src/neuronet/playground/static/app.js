// neuronet playground: the page. It only draws and forwards the controls; every number is computed
// by neuronet on the server (training, boundaries, the explanation) and arrives over the WebSocket.

const $ = (id) => document.getElementById(id);
const MAX_UPLOAD_BYTES = 2_000_000;   // as the server's session.MAX_UPLOAD_BYTES
const ACTIVATIONS = ["logistic", "tanh", "relu", "leaky_relu", "softplus", "elu", "identity"];
const CLASS_COLORS = ["#e8710a", "#1f77b4", "#2ca02c", "#9467bd", "#d62728", "#8c564b", "#e377c2", "#7f7f7f"];
const RESTART_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
  "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd"];

let ws = null;
let session = null;
let state = null;       // data, network, settings (from the server)
let progress = null;    // the latest training frame
let inspected = null;   // the neuron shown in "look inside"
let connectFrom = undefined;  // undefined: not connecting; null: waiting for the first neuron; id: for the second

// -- the connection ------------------------------------------------------------------------------------
function send(obj) {
  if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(obj));
}

function connect() {
  ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`);
  ws.onmessage = (ev) => {
    const msg = JSON.parse(ev.data);
    if (msg.type === "hello") {
      session = msg.session;
      $("export").href = `/session/${session}/model.json`;
      $("export-code").href = `/session/${session}/run.py`;
    } else if (msg.type === "state") { onState(msg); }
    else if (msg.type === "progress") { onProgress(msg); }
    else if (msg.type === "columns") { onColumns(msg); }
    else if (msg.type === "explain") { onExplain(msg); }
    else if (msg.type === "error") { showMessage(msg.message); if (state) syncControls(state.settings); }
  };
  ws.onclose = () => showMessage("The connection to the playground server is closed (was it stopped?). " +
                                 "Start `neuronet playground` again and reload this page.");
}

function esc(text) {    // a name from the user's file, safe inside HTML
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function showMessage(text) {
  const box = $("message");
  box.textContent = text;
  box.hidden = !text;
}

// -- settings: the controls <-> the server's settings -----------------------------------------------------
const NUMBER_FIELDS = ["noise", "samples", "test_fraction", "data_seed", "step_size", "batch_size", "restarts",
                       "seed", "epochs"];

function changeSettings(patch) {
  showMessage("");
  send({ op: "settings", settings: { ...state.settings, ...patch } });
}

function syncControls(s) {   // the controls show the settings in force (also after a refused change)
  $("dataset").value = s.dataset;
  for (const f of NUMBER_FIELDS) $(f).value = s[f];
  $("optimizer").value = s.optimizer;
  $("schedule").value = s.schedule;
  $("loss-name").value = s.loss;
  $("output").value = s.output;
  drawLayerControls(s);
}

function onState(msg) {
  state = msg;
  const s = msg.settings;
  Object.assign(document.body.dataset, { dataset: s.dataset, restarts: s.restarts, neurons: msg.network.neurons.length,
                                         points: msg.data.y.length });
  $("dataset").querySelector('option[value="csv"]').disabled = !msg.data.uploaded;
  $("output").innerHTML = ACTIVATIONS.map((a) => `<option>${a}</option>`).join("");
  syncControls(s);
  const clickClass = $("click-class");
  if (msg.data.task === "classification") {
    clickClass.innerHTML = msg.data.classes.map((c, k) => `<option value="${k}">class ${esc(c)}</option>`).join("");
    clickClass.disabled = false;
  } else {
    clickClass.innerHTML = `<option value="0">a point (x, y) where you click</option>`;
  }
  $("extra-edges").innerHTML = s.extra_edges.length
    ? "extra edges: " + s.extra_edges.map(([i, j], k) =>
        `${i} → ${j} <button data-edge="${k}" title="remove">×</button>`).join(" ")
    : "";
  $("extra-edges").querySelectorAll("button").forEach((b) => b.onclick = () => {
    changeSettings({ extra_edges: s.extra_edges.filter((_, k) => k !== Number(b.dataset.edge)) });
  });
  $("test-loss-box").hidden = !(s.test_fraction > 0);
  $("example").max = msg.data.y.length - 1;
  if (Number($("example").value) > msg.data.y.length - 1) $("example").value = 0;
  inspected = null;
  $("explain-title").textContent = "";
  $("explain-lines").textContent = "";
  $("explain-text").textContent = "";
  const plane = $("neuron-plane");
  plane.getContext("2d").clearRect(0, 0, plane.width, plane.height);
  drawNetwork();
}

function drawLayerControls(s) {
  const box = $("layers");
  box.innerHTML = "";
  s.hidden.forEach((width, k) => {
    const div = document.createElement("div");
    div.className = "layer";
    div.innerHTML = `layer ${k + 2}: <button data-d="-1" data-testid="layer-${k + 2}-fewer">−</button>
      <b>${width}</b> <button data-d="1" data-testid="layer-${k + 2}-more">+</button>
      <select data-testid="layer-${k + 2}-activation">${ACTIVATIONS.map((a) =>
        `<option${a === s.activations[k] ? " selected" : ""}>${a}</option>`).join("")}</select>`;
    div.querySelectorAll("button").forEach((b) => b.onclick = () => {
      const hidden = [...s.hidden];
      hidden[k] = Math.max(1, Math.min(8, hidden[k] + Number(b.dataset.d)));
      changeSettings({ hidden, extra_edges: [] });
    });
    div.querySelector("select").onchange = (ev) => {
      const activations = [...s.activations];
      activations[k] = ev.target.value;
      changeSettings({ activations });
    };
    box.appendChild(div);
  });
}

function wireControls() {
  $("dataset").onchange = (ev) => {
    changeSettings({ dataset: ev.target.value, extra_edges: [] });   // the server fits output and loss to the task
  };
  for (const f of NUMBER_FIELDS) {
    $(f).onchange = (ev) => {
      const v = ev.target.value.trim();
      changeSettings({ [f]: v === "" ? v : Number(v) });
    };
  }
  $("optimizer").onchange = (ev) => changeSettings({ optimizer: ev.target.value });
  $("schedule").onchange = (ev) => changeSettings({ schedule: ev.target.value });
  $("loss-name").onchange = (ev) => changeSettings({ loss: ev.target.value });
  $("output").onchange = (ev) => changeSettings({ output: ev.target.value });
  $("add-layer").onclick = () => {
    const s = state.settings;
    if (s.hidden.length >= 6) return showMessage("At most 6 hidden layers.");
    changeSettings({ hidden: [...s.hidden, 2], activations: [...s.activations, s.activations.at(-1) || "tanh"],
                     extra_edges: [] });
  };
  $("remove-layer").onclick = () => {
    const s = state.settings;
    changeSettings({ hidden: s.hidden.slice(0, -1), activations: s.activations.slice(0, -1), extra_edges: [] });
  };
  $("connect").onclick = () => {
    connectFrom = connectFrom === undefined ? null : undefined;
    $("connect").classList.toggle("on", connectFrom !== undefined);
    drawNetwork();
  };
  $("train").onclick = () => { showMessage(""); send({ op: "start" }); };
  $("pause").onclick = () => send({ op: "pause" });
  $("step").onclick = () => { showMessage(""); send({ op: "step" }); };
  $("reset").onclick = () => { showMessage(""); send({ op: "reset" }); };
  $("upload").onchange = async (ev) => {
    const file = ev.target.files[0];
    ev.target.value = "";                        // choosing the same file again is a new upload
    if (!file) return;
    showMessage("");
    if (file.size > MAX_UPLOAD_BYTES) {
      return showMessage(`${file.name} is ${(file.size / 1e6).toFixed(1)} MB; the playground draws every point and ` +
                         `takes files up to ${MAX_UPLOAD_BYTES / 1e6} MB. Use a sample of it (or \`neuronet train\`).`);
    }
    let text;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(await file.arrayBuffer());
    } catch {
      return showMessage(`${file.name} is not UTF-8 text (is it a CSV file?). Save it as CSV in UTF-8 and upload it again.`);
    }
    send({ op: "upload", name: file.name, text });
  };
  $("use-columns").onclick = () => changeSettings({
    dataset: "csv", extra_edges: [],
    columns: { x: [$("col-x1").value, $("col-x2").value], target: $("col-target").value },
  });
  $("example").onchange = () => { if (inspected !== null) inspect(inspected); };
  $("neuron-plane").onclick = (ev) => {     // a click on the neuron's plane chooses the example nearest to it
    if (inspected === null) return;
    $("example").value = nearestExample($("neuron-plane"), ev);
    inspect(inspected);
  };
  $("boundary").onclick = onPlaneClick;
  $("code-panel").querySelector("details").ontoggle = async (ev) => {
    if (ev.target.open && session) $("snippet").textContent = await (await fetch(`/session/${session}/run.py`)).text();
  };
}

function onColumns(msg) {
  const fill = (id, names, chosen) => {
    $(id).innerHTML = names.map((c) => `<option${c === chosen ? " selected" : ""}>${esc(c)}</option>`).join("");
  };
  fill("col-x1", msg.numeric, msg.suggest.x[0]);
  fill("col-x2", msg.numeric, msg.suggest.x[1]);
  fill("col-target", msg.columns, msg.suggest.target);
  $("columns").hidden = false;
}

// -- the plane -------------------------------------------------------------------------------------------
function toCanvas(canvas, bounds, x, y, yRange) {
  const [bx, by] = [bounds[0], yRange || bounds[1]];
  return [(x - bx[0]) / (bx[1] - bx[0]) * canvas.width, canvas.height - (y - by[0]) / (by[1] - by[0]) * canvas.height];
}

function yRange(data) {   // 1-D regression: the vertical extent of the targets
  const ys = data.y;
  let lo = Math.min(...ys), hi = Math.max(...ys);
  const pad = Math.max((hi - lo) * 0.15, 0.2);
  return [lo - pad, hi + pad];
}

function mix(a, b, t) {
  const pa = [1, 3, 5].map((i) => parseInt(a.slice(i, i + 2), 16));
  const pb = [1, 3, 5].map((i) => parseInt(b.slice(i, i + 2), 16));
  return pa.map((v, i) => Math.round(v + (pb[i] - v) * t));
}

function ramp(t) {               // t in [0, 1]: orange - white - blue
  t = Math.max(0, Math.min(1, t));
  return t < 0.5 ? mix(CLASS_COLORS[0], "#ffffff", t * 2) : mix("#ffffff", CLASS_COLORS[1], (t - 0.5) * 2);
}

function colourOf(v, data) {    // what the server sends per grid point -> [r, g, b]
  if (v === null) return [200, 200, 200];
  if (data.task !== "classification") {       // a number over the plane: low orange, high blue
    const [lo, hi] = yRange(data);
    return ramp((v - lo) / (hi - lo));
  }
  if (data.classes.length <= 2) return ramp(v);  // the score of the second class
  const k = Math.floor(v), conf = v - k;     // more classes: the class, paler when unsure
  return mix("#ffffff", CLASS_COLORS[k % CLASS_COLORS.length], Math.max(0.15, conf) * 0.8);
}

function pointColour(data, b) {
  if (data.task === "classification") return CLASS_COLORS[data.y[b] % CLASS_COLORS.length];
  if (data.X[0].length === 1) return "#444";
  const [lo, hi] = yRange(data);
  return `rgb(${ramp((data.y[b] - lo) / (hi - lo)).join(",")})`;
}

function drawSurface(canvas, values, res, withPoints) {
  const ctx = canvas.getContext("2d");
  const data = state.data;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  if (data.X[0].length === 2) {
    const img = ctx.createImageData(res, res);
    for (let r = 0; r < res; r++) {
      for (let c = 0; c < res; c++) {
        const [R, G, B] = colourOf(values[r * res + c], data);
        const p = ((res - 1 - r) * res + c) * 4;     // grid rows go bottom-up, image rows top-down
        img.data.set([R, G, B, 255], p);
      }
    }
    const off = document.createElement("canvas");
    off.width = off.height = res;
    off.getContext("2d").putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(off, 0, 0, canvas.width, canvas.height);
  } else {                                          // 1-D regression: the fitted curve
    const yr = yRange(data), [lo, hi] = data.bounds[0];
    ctx.strokeStyle = "#1f77b4";
    ctx.lineWidth = withPoints ? 2.5 : 1.5;
    ctx.beginPath();
    values.forEach((v, k) => {
      if (v === null) return;
      const [px, py] = toCanvas(canvas, data.bounds, lo + (hi - lo) * k / (values.length - 1), v, yr);
      k ? ctx.lineTo(px, py) : ctx.moveTo(px, py);
    });
    ctx.stroke();
  }
  if (withPoints) drawPoints(canvas, (withPoints === "small" ? 0.4 : 1) * (state.data.y.length <= 20 ? 7 : 4),
                             withPoints === "big");
}

function pointAt(canvas, data, b) {     // example b's place on a canvas of the plane (or of the line)
  const x = data.X[b];
  return data.X[0].length === 1 ? toCanvas(canvas, data.bounds, x[0], data.y[b], yRange(data))
                                : toCanvas(canvas, data.bounds, x[0], x[1]);
}

function drawPoints(canvas, radius, ring = false) {
  const ctx = canvas.getContext("2d");
  const data = state.data;
  data.X.forEach((_, b) => {
    const [px, py] = pointAt(canvas, data, b);
    ctx.beginPath();
    ctx.arc(px, py, radius, 0, 2 * Math.PI);
    const colour = pointColour(data, b);
    if (data.test[b]) { ctx.strokeStyle = colour; ctx.lineWidth = 2; ctx.stroke(); }
    else { ctx.fillStyle = colour; ctx.fill(); ctx.strokeStyle = "#333"; ctx.lineWidth = 0.8; ctx.stroke(); }
  });
  if (ring && inspected !== null) {            // the example being looked inside, ringed
    const [px, py] = pointAt(canvas, data, Number($("example").value) || 0);
    ctx.beginPath();
    ctx.arc(px, py, radius + 4, 0, 2 * Math.PI);
    ctx.strokeStyle = "#000"; ctx.lineWidth = 2; ctx.stroke();
  }
}

function nearestExample(canvas, ev) {   // the example drawn closest to a click on a canvas of the plane
  const rect = canvas.getBoundingClientRect();
  const cx = (ev.clientX - rect.left) * canvas.width / rect.width, cy = (ev.clientY - rect.top) * canvas.height / rect.height;
  let best = 0, dist = Infinity;
  state.data.X.forEach((_, b) => {
    const [px, py] = pointAt(canvas, state.data, b);
    const d = (px - cx) ** 2 + (state.data.X[0].length === 2 ? (py - cy) ** 2 : 0);   // on a line: by x only
    if (d < dist) { dist = d; best = b; }
  });
  return best;
}

function onPlaneClick(ev) {
  const canvas = $("boundary"), rect = canvas.getBoundingClientRect();
  const fx = (ev.clientX - rect.left) / rect.width, fy = 1 - (ev.clientY - rect.top) / rect.height;
  const b = state.data.bounds;
  const x = b[0][0] + fx * (b[0][1] - b[0][0]);
  if (state.data.X[0].length === 2) {
    const y = b[1][0] + fy * (b[1][1] - b[1][0]);
    send({ op: "add_point", x: [x, y], label: Number($("click-class").value) });
  } else {
    const yr = yRange(state.data);
    send({ op: "add_point", x: [x], label: yr[0] + fy * (yr[1] - yr[0]) });
  }
}

// -- the network, in the seed's picture ----------------------------------------------------------------------
function layout() {
  const svg = $("network");
  const W = svg.clientWidth || 500, H = svg.clientHeight || 340;
  const layers = [];
  for (const n of state.network.neurons) (layers[n.layer] ||= []).push(n);
  const pos = {};
  layers.forEach((ns, li) => {
    const x = 30 + (W - 60) * (layers.length === 1 ? 0.5 : li / (layers.length - 1));
    ns.forEach((n, k) => { pos[n.id] = [x, H / 2 + (k - (ns.length - 1) / 2) * Math.min(46, (H - 40) / ns.length)]; });
  });
  return pos;
}

function drawNetwork() {    // the picture's structure: on a new state, or when a neuron is picked
  if (!state) return;
  const svg = $("network");
  const pos = layout();
  const layerOf = Object.fromEntries(state.network.neurons.map((n) => [n.id, n.layer]));
  const parts = [];
  for (const [i, j] of state.network.edges) {
    const [x1, y1] = pos[i], [x2, y2] = pos[j];
    if (layerOf[j] - layerOf[i] > 1) {     // across layers: an arc, so it does not hide the neurons between
      const mx = (x1 + x2) / 2, my = Math.min(y1, y2) - 40 - 15 * (layerOf[j] - layerOf[i]);
      parts.push(`<path data-edge="${i},${j}" d="M${x1},${y1} Q${mx},${my} ${x2},${y2}" fill="none" opacity="0.85"><title></title></path>`);
    } else {
      parts.push(`<line data-edge="${i},${j}" x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" opacity="0.85"><title></title></line>`);
    }
  }
  for (const n of state.network.neurons) {
    const [x, y] = pos[n.id];
    const cls = ["neuron", n.id === connectFrom ? "picked" : "", n.id === inspected ? "inspected" : ""].join(" ");
    const what = n.kind === "input" || n.kind === "bias" ? n.kind : `${n.kind}, ${n.activation}`;
    parts.push(`<g class="${cls}" data-testid="neuron-${n.id}" data-id="${n.id}">
      <title>neuron ${n.id} (${what})</title>
      <circle cx="${x}" cy="${y}" r="17" fill="${n.color}"></circle>
      <text x="${x}" y="${y}">${n.symbol}</text>
      <text class="caption" x="${x}" y="${y - 25}">${n.id}</text></g>`);
  }
  svg.innerHTML = parts.join("");
  svg.querySelectorAll(".neuron").forEach((g) => g.onclick = () => onNeuronClick(Number(g.dataset.id)));
  drawWeights();
}

function drawWeights() {    // the best restart's weights, as each edge's colour and width (in place, every frame)
  const weights = new Map((progress ? progress.weights : []).map(([i, j, w]) => [`${i},${j}`, w]));
  $("network").querySelectorAll("[data-edge]").forEach((edge) => {
    const key = edge.dataset.edge, w = weights.get(key);
    edge.setAttribute("stroke", w === undefined ? "#bbb" : w >= 0 ? "#1f77b4" : "#e8710a");
    edge.setAttribute("stroke-width", w === undefined ? 1 : 0.6 + Math.min(Math.abs(w), 4) * 1.1);
    edge.querySelector("title").textContent = `w_${key} = ${w === undefined ? "?" : w.toPrecision(4)}`;
  });
}

function onNeuronClick(id) {
  if (connectFrom === undefined) return inspect(id);
  if (connectFrom === null) { connectFrom = id; return drawNetwork(); }
  const edge = [connectFrom, id];
  connectFrom = undefined;
  $("connect").classList.remove("on");
  changeSettings({ extra_edges: [...state.settings.extra_edges, edge] });
}

// -- training frames ----------------------------------------------------------------------------------------
function fmt(v) { return v === null || v === undefined ? "–" : Math.abs(v) >= 1e-3 || v === 0 ? v.toPrecision(4) : v.toExponential(3); }

function onProgress(msg) {
  // Frames come from two places (the answer to a button, and the stream while training) and may cross:
  // one made before another is older news, and never replaces it.
  if (progress && msg.version < progress.version) return;
  progress = msg;
  document.body.dataset.running = msg.running;
  if (!state) return;
  $("epoch").textContent = msg.epoch;
  $("loss").textContent = fmt(msg.loss);
  $("test-loss").textContent = fmt(msg.test_loss);
  $("train").classList.toggle("on", msg.running);
  drawSurface($("boundary"), msg.boundary, state.data.grid, "big");
  drawCurves(msg);
  drawLeaderboard(msg);
  drawMultiples(msg);
  drawWeights();
}

function drawCurves(msg) {
  const canvas = $("curves"), ctx = canvas.getContext("2d");
  const W = canvas.width, H = canvas.height, pad = 34;
  ctx.clearRect(0, 0, W, H);
  const all = msg.curves.losses.flat().filter((v) => v !== null && v > 0);
  if (!all.length) return;
  const lo = Math.log10(Math.min(...all)), hi = Math.log10(Math.max(...all)) + 1e-9;
  const ep = msg.curves.epochs, e1 = Math.max(ep.at(-1), 1);
  const px = (e) => pad + (W - pad - 8) * e / e1;
  const py = (v) => 8 + (H - pad) * (1 - (Math.log10(v) - lo) / Math.max(hi - lo, 1e-9));
  ctx.strokeStyle = "#ccc"; ctx.strokeRect(pad, 8, W - pad - 8, H - pad);
  ctx.fillStyle = "#666"; ctx.font = "11px sans-serif";
  ctx.fillText(fmt(10 ** hi), 2, 14); ctx.fillText(fmt(10 ** lo), 2, H - pad + 6);
  ctx.fillText(`epoch ${ep.at(-1)}`, W - 80, H - 8); ctx.fillText("log loss", pad + 4, H - 8);
  msg.curves.losses.forEach((curve, k) => {
    ctx.strokeStyle = RESTART_COLORS[k % RESTART_COLORS.length];
    ctx.lineWidth = k === msg.best ? 2.6 : 1.1;
    ctx.beginPath();
    let started = false;
    curve.forEach((v, t) => {
      if (v === null || v <= 0) return;
      started ? ctx.lineTo(px(ep[t]), py(v)) : ctx.moveTo(px(ep[t]), py(v));
      started = true;
    });
    ctx.stroke();
  });
}

function drawLeaderboard(msg) {
  $("leaderboard").querySelector("tbody").innerHTML = msg.leaderboard.map((r, rank) =>
    `<tr class="${r.restart === msg.best ? "best" : ""}"><td>${rank + 1}</td>
     <td style="color:${RESTART_COLORS[r.restart % RESTART_COLORS.length]}">${r.restart}</td>
     <td>${fmt(r.loss)}</td><td>${fmt(r.test_loss)}</td><td>${r.status}</td></tr>`).join("");
}

function drawMultiples(msg) {
  const box = $("multiples");
  if (box.children.length !== msg.others.length) {
    box.innerHTML = msg.others.map((_, k) =>
      `<figure><canvas width="84" height="84" data-testid="restart-${k}"></canvas><figcaption></figcaption></figure>`).join("");
  }
  const losses = Object.fromEntries(msg.leaderboard.map((r) => [r.restart, r.loss]));
  msg.others.forEach((values, k) => {
    const fig = box.children[k];
    fig.classList.toggle("best", k === msg.best);
    drawSurface(fig.querySelector("canvas"), values, state.data.small_grid, "small");
    fig.querySelector("figcaption").textContent = `restart ${k}: ${fmt(losses[k])}`;
  });
}

// -- look inside ------------------------------------------------------------------------------------------
function inspect(id) {
  inspected = id;
  drawNetwork();
  if (progress) drawSurface($("boundary"), progress.boundary, state.data.grid, "big");
  send({ op: "inspect", neuron: id, example: Number($("example").value) || 0 });
}

function onExplain(msg) {
  if (msg.neuron !== inspected) return;
  const v = (name, x) => (x === null || x === undefined ? "" : `${name} = ${fmt(x)}   `);
  $("explain-title").textContent = `neuron ${msg.neuron} (${msg.kind}) of the best restart, example ${msg.example}: ` +
    `x = (${msg.x.map(fmt).join(", ")}), y = (${(msg.y || []).map(fmt).join(", ")}).   ` +
    v(`z_${msg.neuron}`, msg.z) + v(`o_${msg.neuron}`, msg.o) + v(`δ_${msg.neuron}`, msg.delta);
  $("explain-lines").textContent = msg.lines.join("\n");
  $("explain-text").textContent = msg.text;
  // o_j over the plane: red below 0, white at 0, blue above, scaled to the largest |o_j|
  const canvas = $("neuron-plane"), ctx = canvas.getContext("2d");
  const vals = msg.plane, top = Math.max(...vals.map((x) => Math.abs(x ?? 0)), 1e-12);
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  if (state.data.X[0].length === 2) {
    const res = Math.round(Math.sqrt(vals.length));
    const img = ctx.createImageData(res, res);
    for (let r = 0; r < res; r++) for (let c = 0; c < res; c++) {
      const t = (vals[r * res + c] ?? 0) / top;
      const rgb = t < 0 ? mix("#d62728", "#ffffff", 1 + t) : mix("#ffffff", "#1f77b4", t);
      img.data.set([...rgb, 255], ((res - 1 - r) * res + c) * 4);
    }
    const off = document.createElement("canvas");
    off.width = off.height = res;
    off.getContext("2d").putImageData(img, 0, 0);
    ctx.drawImage(off, 0, 0, canvas.width, canvas.height);
    drawPoints(canvas, 3, true);
  } else {
    ctx.strokeStyle = "#1f77b4"; ctx.lineWidth = 2; ctx.beginPath();
    vals.forEach((y, k) => {
      const px = canvas.width * k / (vals.length - 1), py = canvas.height / 2 - (y ?? 0) / top * canvas.height * 0.45;
      k ? ctx.lineTo(px, py) : ctx.moveTo(px, py);
    });
    ctx.stroke();
  }
}

wireControls();
connect();
