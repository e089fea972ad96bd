/* The route-map editor page: the bpmn-js Modeler, the side panel, save (server validation with problems on
   the diagram), deploy, download, and a draft kept in this browser's localStorage (never on the server). */
(function (RM) {
  'use strict';

  var esc = RM.forms.esc;

  function csrfToken() {
    var meta = document.querySelector('meta[name=csrf-token]');
    return meta ? meta.content : '';
  }

  function postJson(url, body) {
    return fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-CSRFToken': csrfToken(), Accept: 'application/json' },
      body: JSON.stringify(body),
      credentials: 'same-origin',
    }).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (data) { return { status: resp.status, data: data }; });
    });
  }

  function Editor(options) {
    var self = this;
    this.options = options;
    this.t = options.t;
    this.key = options.key;
    this.state = {
      forms: JSON.parse(JSON.stringify(options.forms || {})),
      operations: options.operations || [],
      problemsByElement: {},
      t: options.t,
      onChange: function () { self.scheduleDraft(); },
      onKeyChange: function (key) { self.key = key; },
      formInUse: function (name) { return self.formNames().indexOf(name) >= 0; },
    };
    this.modeler = new window.BpmnJS({
      container: options.canvas,
      moddleExtensions: { spiffworkflow: options.descriptor },
    });
    this.panel = new RM.Panel(this.modeler, options.panel, this.state);
    this.overlays = this.modeler.get('overlays');
    this.canvas = this.modeler.get('canvas');
    this.registry = this.modeler.get('elementRegistry');
    this.problemIds = [];
    this.modeler.on('commandStack.changed', function () { self.scheduleDraft(); self.setStatus(self.t.unsaved, 'secondary'); });
  }

  Editor.prototype.open = function (xml) {
    var self = this;
    return this.modeler.importXML(xml).then(function (result) {
      self.keepUnresolvedReferences(result.warnings);
      self.fit();
      self.panel.show(null);
      self.importWarnings = result.warnings.map(function (w) { return w.message; });
      if (self.importWarnings.length) {
        self.setStatus(self.t.importWarnings + ' ' + self.importWarnings.length, 'warning');
        self.options.message && self.options.message(self.t.importWarnings + ' ' + self.importWarnings.join('; '));
      }
      return result;
    });
  };

  /* bpmn-js drops a reference it cannot resolve when it saves. SpiffWorkflow files use some reference
     fields for variable names (loopDataInputRef="items"), and a broken reference should stay visible to
     validation rather than vanish: put a stand-in with that id back so the XML keeps it. */
  Editor.prototype.keepUnresolvedReferences = function (warnings) {
    warnings.forEach(function (w) {
      if (!w.element || !w.property || !/^unresolved reference/.test(w.message || '')) return;
      var stub = { id: w.value, $type: 'bpmn:BaseElement' };
      var descriptor = w.element.$descriptor && w.element.$descriptor.propertiesByName[w.property];
      if (descriptor && descriptor.isMany) w.element.get(w.property).push(stub);
      else w.element.set(w.property, stub);
    });
  };

  /* The whole diagram in view, clear of the palette on the left. */
  Editor.prototype.fit = function () {
    this.canvas.zoom('fit-viewport', 'auto');
    var scale = this.canvas.zoom();
    this.canvas.zoom(scale * 0.85, 'auto');
    this.canvas.scroll({ dx: 60, dy: 0 });
  };

  /* Form names the diagram references (forms of deleted tasks are not sent). */
  Editor.prototype.formNames = function () {
    var names = [];
    this.registry.forEach(function (el) {
      var ee = el.businessObject && el.businessObject.extensionElements;
      (ee ? ee.get('values') : []).forEach(function (v) {
        if (v.$type !== 'spiffworkflow:Properties') return;
        v.get('properties').forEach(function (p) {
          if ((p.name === 'formJsonSchemaFilename' || p.name === 'formUiSchemaFilename') && p.value && names.indexOf(p.value) < 0) names.push(p.value);
        });
      });
    });
    return names;
  };

  Editor.prototype.currentForms = function () {
    var forms = {};
    var all = this.state.forms;
    this.formNames().forEach(function (name) { if (all[name] !== undefined) forms[name] = all[name]; });
    return forms;
  };

  Editor.prototype.snapshot = function () {
    var self = this;
    return this.modeler.saveXML({ format: true }).then(function (r) {
      return { xml: r.xml, forms: self.currentForms(), dmn: self.options.dmn || {} };
    });
  };

  Editor.prototype.setStatus = function (text, kind) {
    var el = this.options.status;
    el.className = 'badge text-bg-' + (kind || 'secondary');
    el.textContent = text;
  };

  /* --- problems on the diagram ------------------------------------------------------------------- */

  Editor.prototype.elementFor = function (id) {
    if (!id) return null;
    var el = this.registry.get(id);
    if (el) return el;
    return this.registry.filter(function (e) { return e.businessObject.processRef && e.businessObject.processRef.id === id; })[0] ||
      (this.canvas.getRootElement().id === id ? this.canvas.getRootElement() : null);
  };

  Editor.prototype.clearProblems = function () {
    var self = this;
    this.problemIds.forEach(function (id) {
      if (self.registry.get(id)) self.canvas.removeMarker(id, 'rm-has-problem');
    });
    this.overlays.remove({ type: 'rm-problem' });
    this.problemIds = [];
    this.state.problemsByElement = {};
  };

  Editor.prototype.showProblems = function (problems) {
    var self = this;
    this.clearProblems();
    var list = this.options.problems;
    var byElement = {};
    problems.forEach(function (p) {
      var el = self.elementFor(p.element_id);
      if (!el) return;
      (byElement[el.id] = byElement[el.id] || []).push(p);
    });
    Object.keys(byElement).forEach(function (id) {
      var el = self.registry.get(id);
      if (el !== self.canvas.getRootElement()) {
        self.canvas.addMarker(id, 'rm-has-problem');
        self.overlays.add(id, 'rm-problem', {
          position: { top: -10, right: 10 },
          html: '<span class="rm-problem-badge" data-problem-for="' + esc(id) + '" title="' + esc(byElement[id].map(function (p) { return p.message; }).join('\n')) + '">' + byElement[id].length + '</span>',
        });
      }
      self.problemIds.push(id);
    });
    this.state.problemsByElement = byElement;
    list.innerHTML = problems.map(function (p, i) {
      var el = self.elementFor(p.element_id);
      var where = p.element_name || p.element_id || (p.line ? self.t.line + ' ' + p.line : self.t.wholeMap);
      return '<li class="list-group-item list-group-item-action py-1 small" role="button" data-index="' + i + '" data-element-id="' + esc(el ? el.id : '') + '">' +
        '<i class="bi bi-exclamation-triangle-fill text-danger me-1"></i><strong>' + esc(where) + '</strong>: ' + esc(p.message) +
        ' <code class="text-body-secondary">' + esc(p.code) + '</code>' + (p.file ? ' <span class="text-body-secondary">(' + esc(p.file) + ')</span>' : '') + '</li>';
    }).join('');
    this.options.problemsBox.hidden = !problems.length;
    this.panel.show(this.panel.element && this.registry.get(this.panel.element.id) ? this.panel.element : null);
  };

  Editor.prototype.selectElement = function (id) {
    var el = this.registry.get(id);
    if (!el) return;
    if (el !== this.canvas.getRootElement()) {
      this.modeler.get('selection').select(el);
      this.canvas.scrollToElement(el);
    } else this.panel.show(null);
  };

  /* --- save, deploy, draft ------------------------------------------------------------------------ */

  Editor.prototype.save = function () {
    var self = this;
    this.setStatus(this.t.checking, 'info');
    this.options.message('');
    return this.snapshot().then(function (snap) {
      return postJson(self.options.urls.validate, snap);
    }).then(function (resp) {
      var problems = resp.data.problems || [];
      self.showProblems(problems);
      if (resp.status >= 400 && !resp.data.problems) self.setStatus(resp.data.detail || self.t.failed, 'danger');
      else if (problems.length) self.setStatus(self.t.problemsFound.replace('{count}', problems.length), 'danger');
      else self.setStatus(self.t.noProblems, 'success');
      self.storeDraft();
      return resp;
    });
  };

  Editor.prototype.deploy = function (comment, force) {
    var self = this;
    this.setStatus(this.t.deploying, 'info');
    return this.snapshot().then(function (snap) {
      snap.comment = comment || '';
      snap.base_version = self.options.version == null ? null : self.options.version;
      snap.force = !!force;
      return postJson(self.options.urls.deploy, snap);
    }).then(function (resp) {
      if (resp.status === 201 || resp.status === 200) {
        self.showProblems([]);
        self.clearDraft();
        self.key = resp.data.key;
        self.options.version = resp.data.version;
        self.options.draftKey = resp.data.key;
        self.modeler.get('commandStack').clear();
        var text = resp.data.created ? self.t.deployed.replace('{version}', resp.data.version) : self.t.unchanged.replace('{version}', resp.data.version);
        self.setStatus(text, 'success');
        self.options.onDeployed && self.options.onDeployed(resp.data);
      } else {
        self.showProblems(resp.data.problems || []);
        self.setStatus(resp.data.title || self.t.failed, 'danger');
        self.options.message(resp.data.detail || '');
      }
      return resp;
    });
  };

  Editor.prototype.draftKey = function () { return 'routemap-draft:' + (this.options.draftKey || this.key || 'new'); };

  Editor.prototype.scheduleDraft = function () {
    var self = this;
    clearTimeout(this.draftTimer);
    this.draftTimer = setTimeout(function () { self.storeDraft(); }, 800);
  };

  Editor.prototype.storeDraft = function () {
    var self = this;
    if (!this.dirty()) return;
    this.snapshot().then(function (snap) {
      snap.savedAt = new Date().toISOString();
      snap.baseVersion = self.options.version || null;
      try { window.localStorage.setItem(self.draftKey(), JSON.stringify(snap)); } catch (e) { /* storage full or disabled */ }
    });
  };

  Editor.prototype.dirty = function () {
    return this.modeler.get('commandStack').canUndo();
  };

  Editor.prototype.readDraft = function () {
    try { return JSON.parse(window.localStorage.getItem(this.draftKey()) || 'null'); } catch (e) { return null; }
  };

  Editor.prototype.clearDraft = function () {
    try { window.localStorage.removeItem(this.draftKey()); } catch (e) { /* ignore */ }
  };

  Editor.prototype.restoreDraft = function (draft) {
    this.state.forms = Object.assign(this.state.forms, draft.forms || {});
    return this.open(draft.xml);
  };

  Editor.prototype.download = function () {
    var self = this;
    return this.modeler.saveXML({ format: true }).then(function (r) {
      var blob = new Blob([r.xml], { type: 'application/xml' });
      var a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = (self.key || 'route-map') + '.bpmn';
      document.body.appendChild(a);
      a.click();
      setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 0);
    });
  };

  /* Wires the page (elements by data-testid / id in processes/editor.html). */
  RM.startEditor = function () {
    var config = JSON.parse(document.getElementById('rm-editor-config').textContent);
    var $ = function (id) { return document.getElementById(id); };
    return fetch(config.descriptorUrl, { credentials: 'same-origin' }).then(function (r) { return r.json(); }).then(function (descriptor) {
      var editor = new Editor({
        canvas: $('rm-canvas'), panel: $('rm-panel'), status: $('rm-status'), problems: $('rm-problems'),
        problemsBox: $('rm-problems-box'), descriptor: descriptor, t: config.t, key: config.key, version: config.version,
        draftKey: config.draftKey, forms: config.forms, dmn: config.dmn, operations: config.operations, urls: config.urls,
        message: function (text) {
          var box = $('rm-message');
          box.textContent = text;
          box.hidden = !text;
        },
        onDeployed: function (data) {
          var link = $('rm-deployed-link');
          link.href = data.history_url;
          link.hidden = false;
          link.textContent = config.t.openHistory;
        },
      });
      window.routeMapEditor = editor;
      $('rm-problems').addEventListener('click', function (e) {
        var li = e.target.closest('[data-element-id]');
        if (li && li.dataset.elementId) editor.selectElement(li.dataset.elementId);
      });
      $('rm-save').addEventListener('click', function () { editor.save(); });
      $('rm-deploy-form').addEventListener('submit', function (e) {
        e.preventDefault();
        var comment = $('rm-deploy-comment');
        var force = $('rm-deploy-force');
        editor.options.message('');
        editor.deploy(comment.value, force.checked).then(function (resp) {
          if (resp.status < 300) { comment.value = ''; force.checked = false; }
          bootstrap.Modal.getOrCreateInstance($('rm-deploy-modal')).hide();
        });
      });
      $('rm-download').addEventListener('click', function () { editor.download(); });
      $('rm-undo').addEventListener('click', function () { editor.modeler.get('commandStack').undo(); });
      $('rm-redo').addEventListener('click', function () { editor.modeler.get('commandStack').redo(); });
      $('rm-fit').addEventListener('click', function () { editor.fit(); });
      return editor.open(config.xml).then(function () {
        editor.showProblems(config.problems || []);
        var draft = editor.readDraft();
        if (draft && draft.xml && draft.xml !== config.xml) {
          var banner = $('rm-draft-banner');
          $('rm-draft-time').textContent = new Date(draft.savedAt).toLocaleString();
          banner.hidden = false;
          $('rm-draft-restore').addEventListener('click', function () { banner.hidden = true; editor.restoreDraft(draft); });
          $('rm-draft-discard').addEventListener('click', function () { banner.hidden = true; editor.clearDraft(); });
        }
        var problems = config.problems || [];
        if (problems.length) editor.setStatus(config.t.problemsFound.replace('{count}', problems.length), 'danger');
        else if (!editor.importWarnings.length) editor.setStatus(config.t.opened, 'secondary');
        document.body.dataset.editorReady = 'true';
        return editor;
      });
    }).catch(function (err) {
      var status = document.getElementById('rm-status');
      status.className = 'badge text-bg-danger';
      status.textContent = config.t.cannotOpen + ' ' + (err && err.message ? err.message : err);
      document.body.dataset.editorReady = 'error';
      throw err;
    });
  };

  RM.Editor = Editor;
})(window.RM = window.RM || {});
