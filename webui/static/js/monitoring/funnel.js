/* Sales funnel chart: interests that reached each stage against the reference funnel (share of the first). */
(function () {
  "use strict";
  var source = document.getElementById("funnel-data");
  var canvas = document.getElementById("funnel-chart");
  if (!source || !canvas || !window.Chart) return;
  var d = JSON.parse(source.textContent);
  var datasets = [{ label: d.names.reached, data: d.reached, backgroundColor: "#6ea8fe" }];
  if (d.reference.some(function (v) { return v !== null; })) {
    datasets.push({
      label: d.names.reference,
      data: d.reference.map(function (p) { return p === null ? null : Math.round((p / 100) * d.total); }),
      backgroundColor: "rgba(25,135,84,.35)"
    });
  }
  new window.Chart(canvas, {
    type: "bar",
    data: { labels: d.labels, datasets: datasets },
    options: { indexAxis: "y", animation: false, scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } }
  });
})();
