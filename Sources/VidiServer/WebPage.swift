/// The page at `GET /`: pick or drop a video, see it, send it to `/v1/predict` and show the
/// ranked classes, the sampled frames, the segments on a time axis and the per-frame timeline,
/// all under the clip's name.
/// Picking another video or getting an error clears the previous results, and an answer for a
/// video no longer picked is dropped. Everything is inline (no external assets, not even a
/// favicon), so it works on a machine without internet.
enum WebPage {
  static let html = """
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Vidi</title>
    <link rel="icon" href="data:,">
    <style>
    :root { --ink: #1d2330; --muted: #667085; --line: #d8dde6; --accent: #2f6fde; --bg: #f6f7f9; }
    * { box-sizing: border-box; }
    body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif;
      color: var(--ink); background: var(--bg); }
    header { padding: 14px 24px; background: #fff; border-bottom: 1px solid var(--line);
      display: flex; align-items: baseline; gap: 16px; flex-wrap: wrap; }
    header h1 { margin: 0; font-size: 20px; }
    header .model { color: var(--muted); }
    main { max-width: 1100px; margin: 0 auto; padding: 20px 24px; display: grid;
      grid-template-columns: minmax(260px, 360px) minmax(0, 1fr); gap: 20px; align-items: start; }
    section { min-width: 0; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px; }
    h2 { font-size: 15px; margin: 0 0 10px; }
    #drop { display: block; border: 2px dashed var(--line); border-radius: 8px; padding: 22px 12px;
      text-align: center; color: var(--muted); cursor: pointer; }
    #drop.over { border-color: var(--accent); background: #eef3fd; }
    #drop strong { color: var(--accent); }
    #picked { margin-top: 6px; color: var(--ink); overflow-wrap: anywhere; }
    video { width: 100%; max-height: 260px; margin-top: 12px; background: #000; border-radius: 6px;
      display: none; }
    button { margin-top: 12px; width: 100%; padding: 9px; font: inherit; font-weight: 600;
      color: #fff; background: var(--accent); border: 0; border-radius: 6px; cursor: pointer; }
    button:disabled { background: #a9b7d0; cursor: default; }
    #status { margin-top: 10px; min-height: 1.4em; color: var(--muted); }
    #status.error { color: #b42318; }
    .bar { display: grid; grid-template-columns: minmax(90px, 200px) minmax(0, 1fr) 64px; align-items: center; gap: 8px;
      margin: 5px 0; }
    .bar .label { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .bar .track { height: 14px; background: #edf0f5; border-radius: 7px; overflow: hidden; }
    .bar .fill { height: 100%; border-radius: 7px; }
    .bar .value { text-align: right; font-variant-numeric: tabular-nums; }
    #frames { display: grid; grid-template-columns: repeat(auto-fill, minmax(64px, 1fr)); gap: 6px; }
    #frames.empty { display: block; }
    #frames figure { margin: 0; text-align: center; font-size: 12px; color: var(--muted); min-width: 0; }
    #frames img { width: 100%; aspect-ratio: 1; border-radius: 4px; display: block; }
    #clip { overflow-wrap: anywhere; font-weight: 600; }
    #classlist { display: flex; flex-wrap: wrap; gap: 4px; margin-top: 6px; font-size: 13px; }
    #classlist span { background: #edf0f5; border-radius: 10px; padding: 1px 8px; overflow-wrap: anywhere; }
    details summary { cursor: pointer; color: var(--muted); font-size: 13px; }
    #timeline svg { display: block; width: 100%; height: 200px; }
    #segments .axis { display: flex; height: 28px; border-radius: 4px; overflow: hidden; }
    #segments .axis div { min-width: 1px; color: #fff; font-size: 12px; line-height: 28px;
      padding: 0 4px; overflow: hidden; white-space: nowrap; text-overflow: ellipsis; }
    #segments .axis .background { background: #98a2b3; }
    #segments .ticks { display: flex; justify-content: space-between; font-size: 12px; color: var(--muted); }
    .legend { display: flex; gap: 14px; flex-wrap: wrap; font-size: 13px; margin-top: 6px; }
    .legend span::before { content: ""; display: inline-block; width: 10px; height: 10px;
      border-radius: 2px; margin-right: 5px; background: var(--c); }
    .empty { color: var(--muted); }
    #results { display: grid; gap: 20px; align-content: start; min-width: 0; }
    .meta { color: var(--muted); font-size: 13px; margin-top: 8px; }
    @media (max-width: 760px) { main { grid-template-columns: 1fr; padding: 16px 12px; }
      .bar { grid-template-columns: minmax(0, 1.3fr) minmax(60px, 1fr) 58px; } }
    </style>
    </head>
    <body>
    <header><h1>Vidi</h1><span class="model" id="model">loading the model…</span></header>
    <main>
    <section>
      <h2>Video</h2>
      <form id="form">
        <label id="drop" for="file"><strong>Choose a video</strong> or drop it here
          <div id="picked"></div></label>
        <input id="file" name="video" type="file" accept="video/*" hidden>
        <video id="preview" controls muted playsinline></video>
        <button id="send" type="submit" disabled>Classify</button>
      </form>
      <div id="status"></div>
      <details id="modelclasses"><summary>The model's classes</summary><div id="classlist"></div></details>
    </section>
    <div id="results">
      <section><h2>Classes <span id="clip"></span></h2><div id="classes" class="empty">No video classified yet.</div>
        <div class="meta" id="timing"></div></section>
      <section><h2>Sampled frames</h2><div id="frames" class="empty">—</div></section>
      <section><h2>Segments</h2><div id="segments" class="empty">—</div></section>
      <section><h2>Timeline (per-frame classifier)</h2><div id="timeline" class="empty">—</div></section>
    </div>
    </main>
    <script>
    "use strict";
    const colors = ["#2f6fde", "#e8590c", "#2b8a3e", "#ae3ec9", "#c92a2a", "#0b7285"];
    const $ = (id) => document.getElementById(id);
    let model = null, file = null, asked = 0;

    function text(tag, content, cls) {
      const el = document.createElement(tag);
      el.textContent = content;
      if (cls) el.className = cls;
      return el;
    }
    function percent(p) { return (p * 100).toFixed(2) + "%"; }
    function status(message, isError) {
      $("status").textContent = message;
      $("status").className = isError ? "error" : "";
    }

    fetch("/v1/model").then((r) => r.json()).then((m) => {
      model = m;
      $("model").textContent = m.name + " · " + m.type + " · " + m.classes.length + " classes · "
        + m.backbone + ", " + m.sampling.mode + " " + m.sampling.frames + " frames";
      $("classlist").replaceChildren(...m.classes.map((c) => text("span", c)));
      $("modelclasses").querySelector("summary").textContent =
        "The model's " + m.classes.length + " classes";
      $("modelclasses").open = m.classes.length <= 12;
    }).catch(() => { $("model").textContent = "cannot reach the server"; });

    // Empties every result panel, so nothing on screen belongs to another clip.
    function clear(message) {
      $("clip").textContent = "";
      const classes = $("classes");
      classes.className = "empty";
      classes.textContent = message;
      $("timing").textContent = "";
      for (const id of ["frames", "segments", "timeline"]) {
        $(id).className = "empty";
        $(id).textContent = "—";
      }
    }

    function pick(f) {
      if (!f) return;
      file = f;
      asked++;
      clear("Not classified yet: press Classify.");
      $("picked").textContent = f.name + " (" + (f.size / 1048576).toFixed(2) + " MB)";
      const video = $("preview");
      if (video.src) URL.revokeObjectURL(video.src);
      video.src = URL.createObjectURL(f);
      video.style.display = "block";
      $("send").disabled = false;
      status("");
    }
    $("preview").addEventListener("error", () => {
      $("preview").style.display = "none";
      if (file) status("This browser cannot preview " + file.name + "; Vidi can still classify it.");
    });
    $("file").addEventListener("change", (e) => pick(e.target.files[0]));
    const drop = $("drop");
    ["dragenter", "dragover"].forEach((t) => drop.addEventListener(t, (e) => {
      e.preventDefault(); drop.classList.add("over"); }));
    ["dragleave", "drop"].forEach((t) => drop.addEventListener(t, (e) => {
      e.preventDefault(); drop.classList.remove("over"); }));
    drop.addEventListener("drop", (e) => pick(e.dataTransfer.files[0]));

    $("form").addEventListener("submit", async (e) => {
      e.preventDefault();
      if (!file) return;
      $("send").disabled = true;
      const ticket = ++asked;
      clear("Classifying " + file.name + "…");
      status("Classifying " + file.name + "…");
      const body = new FormData();
      body.append("video", file, file.name);
      try {
        const response = await fetch("/v1/predict?top_k=all&timeline=1&frames=1&segments=1",
          { method: "POST", body });
        const result = await response.json().catch(() => ({ error: response.statusText }));
        if (ticket !== asked) return;
        if (!response.ok) throw new Error(result.error || response.statusText);
        show(result);
        status("Done: " + result.video);
      } catch (error) {
        if (ticket !== asked) return;
        clear("No result for " + file.name + ": see the error beside the video.");
        status(error.message, true);
      } finally {
        $("send").disabled = !file;
      }
    });

    function show(result) {
      $("clip").textContent = "· " + result.video;
      const classes = $("classes");
      classes.className = "";
      classes.replaceChildren();
      result.predictions.forEach((p, i) => {
        const row = text("div", "", "bar");
        const label = text("span", p.label, "label");
        label.title = p.label;
        row.append(label);
        const track = text("div", "", "track"), fill = text("div", "", "fill");
        fill.style.width = Math.max(p.probability * 100, 0.5) + "%";
        fill.style.background = i < 3 ? colors[i] : "#98a2b3";
        track.append(fill);
        row.append(track, text("span", percent(p.probability), "value"));
        classes.append(row);
      });
      const t = result.timing;
      $("timing").textContent = "model " + result.model + " · upload " + t.upload_ms + " ms · queue "
        + t.queue_ms + " ms · prediction " + t.predict_ms + " ms · total " + t.total_ms + " ms";

      const frames = $("frames");
      frames.replaceChildren();
      frames.className = (result.frames || []).length ? "" : "empty";
      if (!frames.className) {
        result.frames.forEach((f) => {
          const figure = document.createElement("figure");
          const img = document.createElement("img");
          img.src = f.png;
          img.alt = "frame " + f.frame + " at " + f.time.toFixed(2) + " s";
          img.title = "frame " + f.frame;
          figure.append(img, text("figcaption", f.time.toFixed(2) + " s"));
          frames.append(figure);
        });
      } else {
        frames.textContent = "No frames.";
      }
      segments(result);
      timeline(result);
    }

    // The segments as blocks along the video's duration, one colour per class.
    function segments(result) {
      const box = $("segments");
      box.replaceChildren();
      const found = result.segments;
      if (!found || !found.segments.length) {
        box.className = "empty";
        box.textContent = "No segments.";
        return;
      }
      box.className = "";
      const axis = text("div", "", "axis");
      const classes = found.classes;
      found.segments.forEach((s) => {
        const block = text("div", s.label);
        block.style.flex = String(Math.max(s.end - s.start, 0));
        if (s.label === "background") {
          block.className = "background";
        } else {
          block.style.background = colors[classes.indexOf(s.label) % colors.length];
        }
        block.title = s.label + " · " + s.start.toFixed(2) + "–" + s.end.toFixed(2) + " s · "
          + percent(s.confidence);
        axis.append(block);
      });
      const ticks = text("div", "", "ticks");
      ticks.append(text("span", "0 s"), text("span", found.duration.toFixed(2) + " s"));
      box.append(axis, ticks);
    }

    function timeline(result) {
      const box = $("timeline");
      box.replaceChildren();
      const rows = result.timeline || [];
      if (!rows.length) {
        box.className = "empty";
        box.textContent = "This model has no per-frame classifier.";
        return;
      }
      box.className = "";
      const shown = Math.min(3, result.predictions.length);
      const W = Math.max(box.clientWidth, 320), H = 200, L = 40, R = 10, T = 10, B = 28;
      const ns = "http://www.w3.org/2000/svg";
      const svg = document.createElementNS(ns, "svg");
      svg.setAttribute("viewBox", "0 0 " + W + " " + H);
      const x = (i) => L + (rows.length === 1 ? (W - L - R) / 2 : i * (W - L - R) / (rows.length - 1));
      const y = (p) => T + (1 - p) * (H - T - B);
      function add(tag, attrs, content) {
        const el = document.createElementNS(ns, tag);
        for (const k in attrs) el.setAttribute(k, attrs[k]);
        if (content !== undefined) el.textContent = content;
        svg.append(el);
      }
      [0, 0.5, 1].forEach((p) => {
        add("line", { x1: L, x2: W - R, y1: y(p), y2: y(p), stroke: "#e4e7ec" });
        add("text", { x: L - 6, y: y(p) + 4, "text-anchor": "end", "font-size": 11, fill: "#667085" },
          (p * 100) + "%");
      });
      const step = Math.max(1, Math.ceil(rows.length / Math.max(2, Math.floor((W - L - R) / 48))));
      rows.forEach((r, i) => {
        if (i % step === 0) add("text", { x: x(i), y: H - 8, "text-anchor": "middle",
          "font-size": 11, fill: "#667085" },
          r.time === undefined || r.time === null ? "#" + r.frame : r.time.toFixed(1) + " s");
      });
      for (let c = 0; c < shown; c++) {
        const points = rows.map((r, i) => x(i) + "," + y(r.probabilities[c].probability)).join(" ");
        add("polyline", { points, fill: "none", stroke: colors[c], "stroke-width": 2.5 });
        rows.forEach((r, i) => add("circle", { cx: x(i), cy: y(r.probabilities[c].probability),
          r: 3, fill: colors[c] }));
      }
      box.append(svg);
      const legend = text("div", "", "legend");
      for (let c = 0; c < shown; c++) {
        const item = text("span", result.predictions[c].label);
        item.style.setProperty("--c", colors[c]);
        legend.append(item);
      }
      box.append(legend);
    }
    </script>
    </body>
    </html>
    """
}
