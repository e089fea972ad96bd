/* The live process diagram of a card: bpmn-js Viewer (vendored UMD build, global BpmnJS) with markers for
   completed steps (rm-done), current steps (rm-current) and taken sequence flows (rm-flow). */
(function () {
  "use strict";
  var container = document.getElementById("instance-diagram");
  var source = document.getElementById("diagram-data");
  if (!container || !source || !window.BpmnJS) return;
  var data = JSON.parse(source.textContent);
  var viewer = new window.BpmnJS({ container: container });
  viewer.importXML(data.xml).then(function () {
    var canvas = viewer.get("canvas");
    var registry = viewer.get("elementRegistry");
    function mark(ids, cls) {
      ids.forEach(function (id) { if (registry.get(id)) canvas.addMarker(id, cls); });
    }
    mark(data.completed, "rm-done");
    mark(data.flows, "rm-flow");
    mark(data.current, "rm-current");
    canvas.zoom("fit-viewport", "auto");
    container.setAttribute("data-rendered", "true");
    document.querySelectorAll("[data-zoom]").forEach(function (button) {
      button.addEventListener("click", function () {
        var how = button.getAttribute("data-zoom");
        if (how === "fit") canvas.zoom("fit-viewport", "auto");
        else canvas.zoom(canvas.zoom() * (how === "in" ? 1.2 : 1 / 1.2));
      });
    });
  }).catch(function (err) {
    container.setAttribute("data-rendered", "error");
    container.textContent = "The diagram could not be shown: " + (err && err.message ? err.message : err);
  });
})();
