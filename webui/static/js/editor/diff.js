/* Two bpmn-js Viewers side by side: the older version marks removed and changed elements, the newer one
   added and changed elements (the diff itself is computed on the server, by element id). */
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('rm-diff-data').textContent);

  function show(containerId, xml, marks) {
    var viewer = new window.BpmnJS({ container: '#' + containerId });
    return viewer.importXML(xml).then(function () {
      var canvas = viewer.get('canvas');
      var registry = viewer.get('elementRegistry');
      canvas.zoom('fit-viewport', 'auto');
      Object.keys(marks).forEach(function (kind) {
        marks[kind].forEach(function (e) { if (registry.get(e.id)) canvas.addMarker(e.id, 'rm-diff-' + kind); });
      });
      return viewer;
    });
  }

  Promise.all([
    show('rm-diff-old', data.old, { removed: data.diff.removed, changed: data.diff.changed }),
    show('rm-diff-new', data.new, { added: data.diff.added, changed: data.diff.changed }),
  ]).then(function (viewers) {
    window.routeMapDiff = { old: viewers[0], new: viewers[1], diff: data.diff };
    document.body.dataset.diffReady = 'true';
  }).catch(function (err) {
    document.body.dataset.diffReady = 'error';
    throw err;
  });
})();
