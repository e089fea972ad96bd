/* Process efficiency page: Chart.js series and histogram, and the heat map — the bpmn-js Viewer (vendored UMD,
   global BpmnJS) with one overlay per element (n, mean, p90, step SLA, late share) and a colour class
   heat-0..3 by the chosen metric relative to the largest value on the diagram. */
(function () {
  "use strict";
  function fmt(h) { return h === null || h === undefined ? "—" : h.toFixed(1) + " h"; }

  var charts = document.getElementById("chart-data");
  if (charts && window.Chart) {
    var c = JSON.parse(charts.textContent);
    var series = document.getElementById("series-chart");
    if (series) {
      new window.Chart(series, {
        type: "line",
        data: {
          labels: c.series.map(function (r) { return r.day; }),
          datasets: [
            { label: c.labels.started, data: c.series.map(function (r) { return r.started; }), borderColor: "#0d6efd" },
            { label: c.labels.ended, data: c.series.map(function (r) { return r.ended; }), borderColor: "#198754" },
            { label: c.labels.running, data: c.series.map(function (r) { return r.running; }), borderColor: "#fd7e14" }
          ]
        },
        options: { animation: false, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
      });
    }
    var histogram = document.getElementById("histogram-chart");
    if (histogram) {
      new window.Chart(histogram, {
        type: "bar",
        data: {
          labels: c.histogram.map(function (b) { return b.label; }),
          datasets: [{ label: c.labels.instances, data: c.histogram.map(function (b) { return b.count; }), backgroundColor: "#6ea8fe" }]
        },
        options: { animation: false, plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
      });
    }
  }

  var container = document.getElementById("heat-map");
  var source = document.getElementById("heat-data");
  if (!container || !source || !window.BpmnJS) return;
  var data = JSON.parse(source.textContent);
  var labels = charts ? JSON.parse(charts.textContent).labels : { late: "late", sla: "SLA" };
  var viewer = new window.BpmnJS({ container: container });

  function colour(metric) {
    var registry = viewer.get("elementRegistry");
    var canvas = viewer.get("canvas");
    var max = 0;
    Object.keys(data.heat).forEach(function (id) { max = Math.max(max, data.heat[id][metric] || 0); });
    Object.keys(data.heat).forEach(function (id) {
      if (!registry.get(id)) return;
      [0, 1, 2, 3].forEach(function (level) { canvas.removeMarker(id, "heat-" + level); });
      var value = data.heat[id][metric];
      if (!max || value === null || value === undefined || !data.heat[id].passes) return;
      canvas.addMarker(id, "heat-" + Math.min(3, Math.floor((value / max) * 3.999)));
    });
    container.setAttribute("data-heat-metric", metric);
  }

  viewer.importXML(data.xml).then(function () {
    var overlays = viewer.get("overlays");
    var registry = viewer.get("elementRegistry");
    Object.keys(data.heat).forEach(function (id) {
      var s = data.heat[id];
      var element = registry.get(id);
      if (!element || element.waypoints) return;
      var html = document.createElement("div");
      html.className = "heat-overlay";
      html.setAttribute("data-element", id);
      html.setAttribute("data-passes", s.passes);
      html.setAttribute("data-mean-h", s.mean_h === null ? "" : s.mean_h);
      html.setAttribute("data-p90-h", s.p90_h === null ? "" : s.p90_h);
      var text = "n=" + s.passes;
      if (s.tasks) text += " · μ " + fmt(s.mean_h) + " · p90 " + fmt(s.p90_h);
      html.textContent = text;
      if (s.sla) {
        var sla = document.createElement("div");
        sla.setAttribute("data-sla", s.sla);
        sla.textContent = labels.sla + " " + s.sla + (s.late_rate === null ? "" : " · ");
        if (s.late_rate !== null) {
          var late = document.createElement("span");
          late.className = s.late_rate > 0 ? "late" : "";
          late.textContent = Math.round(s.late_rate * 100) + "% " + labels.late;
          sla.appendChild(late);
        }
        html.appendChild(sla);
      }
      overlays.add(id, "heat", { position: { bottom: -4, left: 0 }, html: html });
    });
    viewer.get("canvas").zoom("fit-viewport", "auto");
    var select = document.getElementById("heat-metric");
    colour(select ? select.value : "mean_h");
    if (select) select.addEventListener("change", function () { colour(select.value); });
    container.setAttribute("data-rendered", "true");
  }).catch(function (err) {
    container.setAttribute("data-rendered", "error");
    container.textContent = "The diagram could not be shown: " + (err && err.message ? err.message : err);
  });
})();
