/* The side panel: what a designer sets on the selected element (name, who, form, instructions, SLA,
   service call, timer, flow condition, default flow). Everything goes through the modeler's commands. */
(function (RM) {
  'use strict';

  var esc = RM.forms.esc;
  var USER_TASKS = ['bpmn:UserTask', 'bpmn:ManualTask'];
  var DECISION_GATEWAYS = ['bpmn:ExclusiveGateway', 'bpmn:InclusiveGateway'];

  function Panel(modeler, container, state) {
    this.modeler = modeler;
    this.container = container;
    this.state = state; // {forms, operations, problemsByElement, t}
    this.t = state.t;
    this.ext = new RM.Extensions(modeler);
    this.modeling = modeler.get('modeling');
    this.moddle = modeler.get('moddle');
    this.registry = modeler.get('elementRegistry');
    this.canvas = modeler.get('canvas');
    this.element = null;
    var self = this;
    modeler.on('selection.changed', function (e) { self.show(e.newSelection.length === 1 ? e.newSelection[0] : null); });
    modeler.on('elements.changed', function (e) {
      // A change made elsewhere (undo, a label edited on the canvas) touched the shown element: show it
      // afresh. Changes the panel itself makes are already on screen (re-rendering would eat the click).
      if (!self.element || self.writing) return;
      if (e.elements.some(function (el) { return el.id === self.element.id; })) {
        self.show(self.registry.get(self.element.id) || null);
      }
    });
    ['change', 'input', 'click'].forEach(function (type) {
      container.addEventListener(type, function () {
        self.writing = true;
        setTimeout(function () { self.writing = false; }, 0);
      }, true);
    });
  }

  Panel.prototype.show = function (element) {
    // Finish an edit in progress first: its `change` event must reach the element it was made on.
    var active = document.activeElement;
    if (active && this.container.contains(active) && active.blur) active.blur();
    if (element && element.type === 'label') element = element.labelTarget;
    var root = this.canvas.getRootElement();
    this.element = element || root;
    var bo = this.element.businessObject;
    if (!bo) { this.container.innerHTML = ''; return; }
    var html = this.problemsHtml(this.element) + this.headerHtml(this.element);
    if (this.element === root || is(bo, 'bpmn:Participant')) html += this.processHtml(this.element);
    else html += this.nameHtml(bo);
    if (isAny(bo, USER_TASKS)) html += this.whoHtml(bo) + this.slaHtml(bo) + this.formHtml(bo) + this.instructionsHtml(bo);
    if (is(bo, 'bpmn:ServiceTask')) html += this.serviceHtml(bo);
    if (this.timerDefinition(bo)) html += this.timerHtml(bo);
    if (isAny(bo, DECISION_GATEWAYS)) html += this.gatewayHtml(bo);
    if (is(bo, 'bpmn:SequenceFlow') && this.isConditionable(bo)) html += this.conditionHtml(bo);
    this.container.innerHTML = html;
    this.bind();
  };

  /* --- sections ------------------------------------------------------------------------------------- */

  Panel.prototype.problemsHtml = function (element) {
    var list = (this.state.problemsByElement[element.id] || []);
    if (!list.length) return '';
    return '<div class="alert alert-danger py-2 small" data-testid="panel-problems">' +
      list.map(function (p) { return '<div>' + esc(p.message) + ' <code>' + esc(p.code) + '</code></div>'; }).join('') + '</div>';
  };

  Panel.prototype.headerHtml = function (element) {
    var type = element.businessObject.$type.replace('bpmn:', '');
    return '<div class="d-flex justify-content-between align-items-baseline mb-2"><h2 class="h6 mb-0" data-testid="panel-type">' +
      esc(type) + '</h2><code class="small" data-testid="panel-element-id">' + esc(element.id) + '</code></div>';
  };

  Panel.prototype.nameHtml = function (bo) {
    return section(this.t.name, '<input class="form-control form-control-sm" data-bind="name" value="' + esc(bo.name || '') + '">');
  };

  Panel.prototype.mainProcess = function (element) {
    var bo = element.businessObject;
    if (is(bo, 'bpmn:Process')) return bo;
    if (is(bo, 'bpmn:Participant')) return bo.processRef;
    var parts = (bo.participants || []).map(function (p) { return p.processRef; }).filter(Boolean);
    return parts.find(function (p) { return p.isExecutable !== false; }) || parts[0];
  };

  Panel.prototype.processHtml = function (element) {
    var process = this.mainProcess(element);
    if (!process) return '';
    var html = section(this.t.processKey,
      '<input class="form-control form-control-sm font-monospace" data-bind="process-id" value="' + esc(process.id) + '">' +
      '<div class="form-text">' + esc(this.t.processKeyHelp) + '</div>');
    html += section(this.t.processName, '<input class="form-control form-control-sm" data-bind="process-name" value="' + esc(process.name || '') + '">');
    if (is(element.businessObject, 'bpmn:Participant')) {
      html += section(this.t.poolName, '<input class="form-control form-control-sm" data-bind="name" value="' + esc(element.businessObject.name || '') + '">');
    }
    return html;
  };

  Panel.prototype.laneOf = function (bo) {
    var lane = this.registry.filter(function (el) {
      return is(el.businessObject, 'bpmn:Lane') && (el.businessObject.get('flowNodeRef') || []).indexOf(bo) >= 0;
    })[0];
    return lane ? lane.businessObject.name || lane.id : '';
  };

  Panel.prototype.whoHtml = function (bo) {
    var lane = this.laneOf(bo);
    var priority = this.ext.property(bo, 'priority');
    var t = this.t;
    var options = ['', 'low', 'normal', 'high', 'urgent'].map(function (p) {
      return '<option value="' + p + '"' + (p === priority ? ' selected' : '') + '>' + esc(p ? t['priority_' + p] : t.priorityNone) + '</option>';
    }).join('');
    if (priority && ['low', 'normal', 'high', 'urgent'].indexOf(priority) < 0) options += '<option selected value="' + esc(priority) + '">' + esc(priority) + '</option>';
    return section(t.who,
      '<div class="small mb-1">' + esc(t.lane) + ': <strong data-testid="panel-lane">' + esc(lane || t.noLane) + '</strong></div>' +
      '<label class="form-label small mb-0">' + esc(t.assignee) + '</label>' +
      '<input class="form-control form-control-sm font-monospace" data-bind="assignee" placeholder="initiator_id" value="' + esc(this.ext.property(bo, 'assignee')) + '">' +
      '<div class="form-text">' + esc(t.assigneeHelp) + '</div>' +
      '<label class="form-label small mb-0 mt-2">' + esc(t.priority) + '</label>' +
      '<select class="form-select form-select-sm" data-bind="priority">' + options + '</select>');
  };

  Panel.prototype.slaHtml = function (bo) {
    var text = this.ext.property(bo, 'sla');
    var sla = RM.rules.parseSla(text) || { amount: '', unit: 'hours', working: true };
    var t = this.t;
    var units = ['minutes', 'hours', 'days'].map(function (u) {
      return '<option value="' + u + '"' + (u === sla.unit ? ' selected' : '') + '>' + esc(t['unit_' + u]) + '</option>';
    }).join('');
    var raw = text && !RM.rules.parseSla(text) ? '<div class="form-text">' + esc(t.slaRaw) + ' <code>' + esc(text) + '</code></div>' : '';
    return section(t.sla,
      '<div class="input-group input-group-sm">' +
      '<input class="form-control" type="number" min="0" step="any" data-bind="sla-amount" value="' + esc(sla.amount) + '" aria-label="' + esc(t.sla) + '">' +
      '<select class="form-select" data-bind="sla-unit">' + units + '</select>' +
      '<select class="form-select" data-bind="sla-mode"><option value="working"' + (sla.working ? ' selected' : '') + '>' + esc(t.workingTime) + '</option>' +
      '<option value="calendar"' + (!sla.working ? ' selected' : '') + '>' + esc(t.calendarTime) + '</option></select></div>' + raw);
  };

  Panel.prototype.formName = function (bo) { return this.ext.property(bo, 'formJsonSchemaFilename'); };

  Panel.prototype.formHtml = function (bo) {
    var name = this.formName(bo);
    var schema = name ? this.state.forms[name] : null;
    this.formModel = RM.forms.fieldsFromSchema(schema || { title: bo.name || '' });
    var missing = name && !schema ? '<div class="alert alert-warning py-1 small">' + esc(this.t.formMissing) + ' <code>' + esc(name) + '</code></div>' : '';
    return section(this.t.form + (name ? ' <code class="small">' + esc(name) + '</code>' : ''),
      missing + '<div data-role="fields"></div>' +
      '<button type="button" class="btn btn-sm btn-outline-primary" data-action="add-field"><i class="bi bi-plus-lg"></i> ' + esc(this.t.addField) + '</button>' +
      '<div class="mt-2 border rounded p-2 bg-body-tertiary"><div class="small text-body-secondary mb-1">' + esc(this.t.preview) + '</div><div data-role="preview" data-testid="form-preview"></div></div>');
  };

  Panel.prototype.fieldsHtml = function () {
    var t = this.t;
    return this.formModel.fields.map(function (f, i) {
      if (f.type === 'custom') {
        return '<div class="rm-field border rounded p-2 mb-2" data-index="' + i + '"><div class="small">' + esc(f.label) + ' <code>' + esc(f.key) + '</code> — ' + esc(t.customField) +
          '</div><button type="button" class="btn btn-sm btn-link text-danger p-0" data-action="remove-field">' + esc(t.remove) + '</button></div>';
      }
      var types = RM.forms.TYPES.map(function (ty) {
        return '<option value="' + ty + '"' + (ty === f.type ? ' selected' : '') + '>' + esc(t['type_' + ty]) + '</option>';
      }).join('');
      var hasOptions = f.type === 'select' || f.type === 'multiselect';
      return '<div class="rm-field border rounded p-2 mb-2" data-index="' + i + '" data-testid="form-field">' +
        '<div class="row g-1">' +
        '<div class="col-7"><input class="form-control form-control-sm" data-field="label" placeholder="' + esc(t.fieldLabel) + '" value="' + esc(f.label) + '" aria-label="' + esc(t.fieldLabel) + '"></div>' +
        '<div class="col-5"><select class="form-select form-select-sm" data-field="type" aria-label="' + esc(t.fieldType) + '">' + types + '</select></div>' +
        '<div class="col-7"><input class="form-control form-control-sm font-monospace" data-field="key" placeholder="' + esc(t.fieldKey) + '" value="' + esc(f.key) + '" aria-label="' + esc(t.fieldKey) + '"></div>' +
        '<div class="col-5"><input class="form-control form-control-sm" data-field="default" placeholder="' + esc(t.fieldDefault) + '" value="' + esc(f.default) + '" aria-label="' + esc(t.fieldDefault) + '"></div>' +
        (hasOptions ? '<div class="col-12"><textarea class="form-control form-control-sm" rows="2" data-field="options" placeholder="' + esc(t.fieldOptions) + '">' + esc((f.options || []).join('\n')) + '</textarea></div>' : '') +
        '</div><div class="d-flex align-items-center gap-2 mt-1">' +
        '<div class="form-check form-check-inline m-0"><input class="form-check-input" type="checkbox" data-field="required" id="req-' + i + '"' + (f.required ? ' checked' : '') + '><label class="form-check-label small" for="req-' + i + '">' + esc(t.required) + '</label></div>' +
        '<button type="button" class="btn btn-sm btn-link p-0 ms-auto" data-action="field-up" title="' + esc(t.moveUp) + '"><i class="bi bi-arrow-up"></i></button>' +
        '<button type="button" class="btn btn-sm btn-link p-0" data-action="field-down" title="' + esc(t.moveDown) + '"><i class="bi bi-arrow-down"></i></button>' +
        '<button type="button" class="btn btn-sm btn-link text-danger p-0" data-action="remove-field" title="' + esc(t.remove) + '"><i class="bi bi-trash"></i></button>' +
        '</div></div>';
    }).join('');
  };

  Panel.prototype.instructionsHtml = function (bo) {
    return section(this.t.instructions,
      '<textarea class="form-control form-control-sm" rows="4" data-bind="instructions">' + esc(this.ext.text(bo, 'spiffworkflow:InstructionsForEndUser')) + '</textarea>' +
      '<div class="form-text">' + esc(this.t.instructionsHelp) + '</div>');
  };

  Panel.prototype.serviceHtml = function (bo) {
    var call = this.ext.serviceCall(bo);
    var t = this.t;
    var ops = this.state.operations;
    var known = ops.some(function (o) { return o.name === call.operation; });
    var options = '<option value="">' + esc(t.chooseOperation) + '</option>' + ops.map(function (o) {
      return '<option value="' + esc(o.name) + '"' + (o.name === call.operation ? ' selected' : '') + '>' + esc(o.name) + '</option>';
    }).join('') + (call.operation && !known ? '<option selected value="' + esc(call.operation) + '">' + esc(call.operation) + ' (' + esc(t.unknown) + ')</option>' : '');
    var op = ops.find(function (o) { return o.name === call.operation; });
    var params = '';
    var schemaProps = op ? ((op.params_schema || {}).properties || {}) : {};
    var required = op ? ((op.params_schema || {}).required || []) : [];
    var names = Object.keys(schemaProps);
    Object.keys(call.params).forEach(function (n) { if (names.indexOf(n) < 0) names.push(n); });
    params = names.map(function (n) {
      var spec = schemaProps[n] || {};
      var current = call.params[n] ? call.params[n].value : '';
      return '<label class="form-label small mb-0">' + esc(spec.title || n) + (required.indexOf(n) >= 0 ? ' <span class="text-danger">*</span>' : '') +
        ' <code class="small">' + esc(n) + '</code></label>' +
        '<input class="form-control form-control-sm font-monospace mb-1" data-param="' + esc(n) + '" data-param-type="' + esc(pyType(spec.type)) + '" value="' + esc(current) + '">' +
        (spec.description ? '<div class="form-text mt-0 mb-1">' + esc(spec.description) + '</div>' : '');
    }).join('');
    return section(t.serviceOperation,
      '<select class="form-select form-select-sm mb-1" data-bind="operation">' + options + '</select>' +
      (op && op.description ? '<div class="form-text mb-2">' + esc(op.description) + '</div>' : '') +
      (params ? '<div class="small text-body-secondary mb-1">' + esc(t.paramsHelp) + '</div>' + params : '') +
      '<label class="form-label small mb-0 mt-1">' + esc(t.resultVariable) + '</label>' +
      '<input class="form-control form-control-sm font-monospace" data-bind="result-variable" value="' + esc(call.resultVariable) + '">');
  };

  Panel.prototype.timerDefinition = function (bo) {
    return (bo.eventDefinitions || []).find(function (d) { return is(d, 'bpmn:TimerEventDefinition'); });
  };

  Panel.prototype.timerHtml = function (bo) {
    var def = this.timerDefinition(bo);
    var which = ['timeDuration', 'timeDate', 'timeCycle'].find(function (k) { return def[k]; });
    var timer = which ? RM.rules.parseTimer(which, def[which].body) : { kind: 'duration', working: false, duration: 'PT1H' };
    var t = this.t;
    var kinds = ['duration', 'date', 'cycle', 'expert'].map(function (k) {
      return '<option value="' + k + '"' + (k === timer.kind ? ' selected' : '') + '>' + esc(t['timer_' + k]) + '</option>';
    }).join('');
    var body;
    if (timer.kind === 'expert') {
      var defs = ['timeDuration', 'timeDate', 'timeCycle'].map(function (k) {
        return '<option' + (k === timer.definition ? ' selected' : '') + '>' + k + '</option>';
      }).join('');
      body = '<select class="form-select form-select-sm mb-1" data-timer="definition">' + defs + '</select>' +
        '<input class="form-control form-control-sm font-monospace" data-timer="expression" value="' + esc(timer.expression) + '">';
    } else {
      var mode = '<select class="form-select form-select-sm mb-1" data-timer="mode"' + (timer.kind === 'cycle' ? ' disabled' : '') + '>' +
        '<option value="calendar"' + (!timer.working ? ' selected' : '') + '>' + esc(t.calendarTime) + '</option>' +
        '<option value="working"' + (timer.working ? ' selected' : '') + '>' + esc(t.workingTime) + '</option></select>';
      if (timer.kind === 'duration') body = mode + '<input class="form-control form-control-sm font-monospace" data-timer="duration" placeholder="PT4H" value="' + esc(timer.duration || '') + '"><div class="form-text">' + esc(t.durationHelp) + '</div>';
      else if (timer.kind === 'date' && timer.working) body = mode + '<input class="form-control form-control-sm" type="time" data-timer="time" value="' + esc(timer.time || '09:00') + '"><div class="form-text">' + esc(t.nextWorkingDayHelp) + '</div>';
      else if (timer.kind === 'date') body = mode + '<input class="form-control form-control-sm font-monospace" data-timer="date" placeholder="2025-01-31T10:00:00+03:00" value="' + esc(timer.date || '') + '"><div class="form-text">' + esc(t.dateHelp) + '</div>';
      else body = mode + '<input class="form-control form-control-sm font-monospace" data-timer="cycle" placeholder="R3/PT1H" value="' + esc(timer.cycle || '') + '"><div class="form-text">' + esc(t.cycleHelp) + '</div>';
    }
    var written = which ? '<div class="form-text">' + esc(t.writtenAs) + ' <code data-testid="timer-expression">' + esc(which + ': ' + def[which].body) + '</code></div>' : '';
    return section(t.timer, '<select class="form-select form-select-sm mb-1" data-timer="kind">' + kinds + '</select>' + body + written);
  };

  Panel.prototype.gatewayHtml = function (bo) {
    var t = this.t;
    var options = '<option value="">' + esc(t.noDefault) + '</option>' + (bo.outgoing || []).map(function (f) {
      var target = f.targetRef ? (f.targetRef.name || f.targetRef.id) : '';
      return '<option value="' + esc(f.id) + '"' + (bo.default === f ? ' selected' : '') + '>' + esc((f.name || f.id) + ' → ' + target) + '</option>';
    }).join('');
    return section(t.defaultFlow, '<select class="form-select form-select-sm" data-bind="default-flow">' + options + '</select><div class="form-text">' + esc(t.defaultFlowHelp) + '</div>');
  };

  Panel.prototype.isConditionable = function (bo) {
    var source = bo.sourceRef;
    return source && (isAny(source, DECISION_GATEWAYS) || bo.conditionExpression);
  };

  Panel.prototype.conditionHtml = function (bo) {
    var t = this.t;
    var source = bo.sourceRef;
    var isDefault = source && source.default === bo;
    var expr = bo.conditionExpression ? (bo.conditionExpression.body || '') : '';
    var parsed = expr ? RM.rules.parseCondition(expr) : { field: '', op: '==', value: '' };
    var expert = this.expertFlow === bo.id || (expr && !parsed);
    var html = '';
    if (isDefault) return section(t.condition, '<div class="small">' + esc(t.isDefaultFlow) + '</div>');
    if (expert) {
      html = '<textarea class="form-control form-control-sm font-monospace" rows="2" data-bind="condition-expression">' + esc(expr) + '</textarea>' +
        '<button type="button" class="btn btn-sm btn-link p-0" data-action="builder-mode">' + esc(t.builderMode) + '</button>';
    } else {
      var ops = RM.rules.OPERATORS.map(function (o) {
        return '<option value="' + esc(o) + '"' + (o === parsed.op ? ' selected' : '') + '>' + esc(t['op_' + o.replace(' ', '_')] || o) + '</option>';
      }).join('');
      html = '<div class="row g-1"><div class="col-5"><input class="form-control form-control-sm font-monospace" data-cond="field" placeholder="' + esc(t.conditionField) + '" value="' + esc(parsed.field) + '" aria-label="' + esc(t.conditionField) + '"></div>' +
        '<div class="col-3"><select class="form-select form-select-sm" data-cond="op" aria-label="' + esc(t.conditionOperator) + '">' + ops + '</select></div>' +
        '<div class="col-4"><input class="form-control form-control-sm" data-cond="value" placeholder="' + esc(t.conditionValue) + '" value="' + esc(parsed.value) + '" aria-label="' + esc(t.conditionValue) + '"></div></div>' +
        '<button type="button" class="btn btn-sm btn-link p-0" data-action="expert-mode">' + esc(t.expertMode) + '</button>';
    }
    var written = expr ? '<div class="form-text">' + esc(t.writtenAs) + ' <code data-testid="condition-expression">' + esc(expr) + '</code></div>' : '';
    var makeDefault = source && isAny(source, DECISION_GATEWAYS) ? '<button type="button" class="btn btn-sm btn-outline-secondary mt-1" data-action="make-default">' + esc(t.makeDefault) + '</button>' : '';
    return section(t.condition, html + written + makeDefault);
  };

  /* --- binding -------------------------------------------------------------------------------------- */

  Panel.prototype.bind = function () {
    var self = this;
    var element = this.element;
    var bo = element.businessObject;
    var q = function (sel) { return self.container.querySelector(sel); };
    var on = function (sel, ev, fn) { var el = q(sel); if (el) el.addEventListener(ev, fn); };

    on('[data-bind=name]', 'change', function (e) {
      if ((bo.name || '') !== e.target.value) self.modeling.updateLabel(element, e.target.value);
    });
    on('[data-bind=process-id]', 'change', function (e) { self.setProcessId(e.target); });
    on('[data-bind=process-name]', 'change', function (e) {
      var process = self.mainProcess(element);
      self.modeling.updateModdleProperties(element, process, { name: e.target.value });
    });
    on('[data-bind=assignee]', 'change', function (e) { self.ext.setProperty(element, 'assignee', e.target.value.trim()); });
    on('[data-bind=priority]', 'change', function (e) { self.ext.setProperty(element, 'priority', e.target.value); });
    ['sla-amount', 'sla-unit', 'sla-mode'].forEach(function (name) {
      on('[data-bind=' + name + ']', 'change', function () {
        self.ext.setProperty(element, 'sla', RM.rules.slaToText({
          amount: q('[data-bind=sla-amount]').value, unit: q('[data-bind=sla-unit]').value,
          working: q('[data-bind=sla-mode]').value === 'working',
        }));
      });
    });
    on('[data-bind=instructions]', 'change', function (e) { self.ext.setText(element, 'spiffworkflow:InstructionsForEndUser', e.target.value); });
    on('[data-bind=operation]', 'change', function (e) {
      var old = self.ext.serviceCall(bo);
      self.ext.setServiceCall(element, { operation: e.target.value, resultVariable: old.resultVariable, params: {} });
      self.show(element);
    });
    on('[data-bind=result-variable]', 'change', function () { self.writeServiceCall(); });
    this.container.querySelectorAll('[data-param]').forEach(function (input) {
      input.addEventListener('change', function () { self.writeServiceCall(); });
    });
    this.container.querySelectorAll('[data-timer]').forEach(function (input) {
      input.addEventListener('change', function (e) { self.writeTimer(e.target.dataset.timer === 'kind' || e.target.dataset.timer === 'mode'); });
    });
    on('[data-bind=default-flow]', 'change', function (e) {
      self.modeling.updateProperties(element, { default: e.target.value ? self.registry.get(e.target.value).businessObject : undefined });
    });
    this.container.querySelectorAll('[data-cond]').forEach(function (input) {
      input.addEventListener('change', function () { self.writeCondition(); });
    });
    on('[data-bind=condition-expression]', 'change', function (e) { self.setCondition(e.target.value.trim()); });
    on('[data-action=expert-mode]', 'click', function () { self.expertFlow = bo.id; self.show(element); });
    on('[data-action=builder-mode]', 'click', function () {
      var expr = bo.conditionExpression ? bo.conditionExpression.body : '';
      if (expr && !RM.rules.parseCondition(expr)) { self.flash(self.t.cannotBuild); return; }
      self.expertFlow = null; self.show(element);
    });
    on('[data-action=make-default]', 'click', function () {
      var gateway = self.registry.get(bo.sourceRef.id);
      self.modeling.updateProperties(element, { conditionExpression: undefined });
      self.modeling.updateProperties(gateway, { default: bo });
      self.show(element);
    });
    if (q('[data-role=fields]')) this.bindForm();
  };

  Panel.prototype.flash = function (text) {
    var div = document.createElement('div');
    div.className = 'alert alert-warning py-1 small';
    div.textContent = text;
    this.container.prepend(div);
  };

  Panel.prototype.setProcessId = function (input) {
    var id = input.value.trim();
    var process = this.mainProcess(this.element);
    if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(id)) { input.classList.add('is-invalid'); this.flash(this.t.badKey); return; }
    input.classList.remove('is-invalid');
    if (id === process.id) return;
    if (this.element === this.canvas.getRootElement() && is(this.element.businessObject, 'bpmn:Process')) {
      this.modeling.updateProperties(this.element, { id: id });
    } else {
      var holder = is(this.element.businessObject, 'bpmn:Participant') ? this.element :
        this.registry.filter(function (el) { return el.businessObject.processRef === process; })[0];
      this.modeling.updateModdleProperties(holder, process, { id: id });
    }
    this.state.onKeyChange && this.state.onKeyChange(id);
  };

  Panel.prototype.writeServiceCall = function () {
    var params = {};
    this.container.querySelectorAll('[data-param]').forEach(function (input) {
      if (input.value.trim() !== '') params[input.dataset.param] = { type: input.dataset.paramType, value: input.value.trim() };
    });
    this.ext.setServiceCall(this.element, {
      operation: this.container.querySelector('[data-bind=operation]').value,
      resultVariable: this.container.querySelector('[data-bind=result-variable]').value.trim(),
      params: params,
    });
  };

  Panel.prototype.writeTimer = function (rerender) {
    var q = this.container.querySelector.bind(this.container);
    var kind = q('[data-timer=kind]').value;
    var result;
    if (kind === 'expert') {
      var defEl = q('[data-timer=definition]');
      var exprEl = q('[data-timer=expression]');
      var current = this.timerDefinition(this.element.businessObject);
      var which = ['timeDuration', 'timeDate', 'timeCycle'].find(function (k) { return current[k]; });
      result = { definition: defEl ? defEl.value : (which || 'timeDuration'), expression: exprEl ? exprEl.value.trim() : (which ? current[which].body : "'PT1H'") };
    } else {
      var modeEl = q('[data-timer=mode]');
      var working = kind !== 'cycle' && modeEl && modeEl.value === 'working';
      var pick = function (sel, fallback) { var el = q('[data-timer=' + sel + ']'); return el && el.value.trim() ? el.value.trim() : fallback; };
      result = RM.rules.timerToExpression({
        kind: kind, working: working,
        duration: pick('duration', 'PT1H'), date: pick('date', new Date(Date.now() + 864e5).toISOString().slice(0, 19) + '+00:00'),
        time: pick('time', '09:00'), cycle: pick('cycle', 'R3/PT1H'),
      });
    }
    var def = this.timerDefinition(this.element.businessObject);
    var expr = this.moddle.create('bpmn:FormalExpression', { body: result.expression });
    expr.$parent = def;
    var props = { timeDuration: undefined, timeDate: undefined, timeCycle: undefined };
    props[result.definition] = expr;
    this.modeling.updateModdleProperties(this.element, def, props);
    if (rerender) this.show(this.element);
    else {
      var written = this.container.querySelector('[data-testid=timer-expression]');
      if (written) written.textContent = result.definition + ': ' + result.expression;
    }
  };

  Panel.prototype.writeCondition = function () {
    var q = this.container.querySelector.bind(this.container);
    var expr = RM.rules.conditionToExpression({ field: q('[data-cond=field]').value, op: q('[data-cond=op]').value, value: q('[data-cond=value]').value });
    if (expr === null) { if (q('[data-cond=field]').value.trim()) q('[data-cond=field]').classList.add('is-invalid'); return; }
    this.setCondition(expr);
    this.show(this.element);
  };

  Panel.prototype.setCondition = function (expression) {
    var bo = this.element.businessObject;
    if (!expression) { this.modeling.updateProperties(this.element, { conditionExpression: undefined }); return; }
    var expr = this.moddle.create('bpmn:FormalExpression', { body: expression });
    expr.$parent = bo;
    this.modeling.updateProperties(this.element, { conditionExpression: expr });
  };

  /* The form builder: edits this.formModel, writes the JSON Schema into state.forms and the task's
     formJsonSchemaFilename property. */
  Panel.prototype.bindForm = function () {
    var self = this;
    var fieldsEl = this.container.querySelector('[data-role=fields]');
    var previewEl = this.container.querySelector('[data-role=preview]');
    var render = function () {
      fieldsEl.innerHTML = self.fieldsHtml();
      previewEl.innerHTML = RM.forms.previewHtml(self.formModel.fields, self.t);
    };
    render();
    this.container.querySelector('[data-action=add-field]').addEventListener('click', function () {
      var taken = self.formModel.fields.map(function (f) { return f.key; });
      self.formModel.fields.push({ key: RM.forms.keyFromLabel(self.t.newField, taken), type: 'text', label: '', required: false, options: [], default: '', extra: {} });
      render();
      self.writeForm();
      var inputs = fieldsEl.querySelectorAll('[data-field=label]');
      if (inputs.length) inputs[inputs.length - 1].focus();
    });
    fieldsEl.addEventListener('input', function (e) {
      var row = e.target.closest('[data-index]');
      if (!row || !e.target.dataset.field) return;
      var field = self.formModel.fields[Number(row.dataset.index)];
      var which = e.target.dataset.field;
      if (which === 'label') {
        var auto = !field.key || field.key === RM.forms.keyFromLabel(field.label, []) || /^new_field(_\d+)?$|^field(_\d+)?$/.test(field.key);
        field.label = e.target.value;
        if (auto && !field.keyTouched) {
          var taken = self.formModel.fields.filter(function (f) { return f !== field; }).map(function (f) { return f.key; });
          field.key = RM.forms.keyFromLabel(field.label, taken);
          row.querySelector('[data-field=key]').value = field.key;
        }
      } else if (which === 'key') { field.key = e.target.value.trim(); field.keyTouched = true; }
      else if (which === 'default') field.default = e.target.value;
      else if (which === 'options') field.options = e.target.value.split('\n').map(function (s) { return s.trim(); }).filter(Boolean);
      else if (which === 'required') field.required = e.target.checked;
      else return;
      previewEl.innerHTML = RM.forms.previewHtml(self.formModel.fields, self.t);
      self.writeForm();
    });
    fieldsEl.addEventListener('change', function (e) {
      var row = e.target.closest('[data-index]');
      if (!row) return;
      var field = self.formModel.fields[Number(row.dataset.index)];
      if (e.target.dataset.field === 'type') { field.type = e.target.value; field.extra = {}; render(); self.writeForm(); }
      if (e.target.dataset.field === 'required') { field.required = e.target.checked; render(); self.writeForm(); }
    });
    fieldsEl.addEventListener('click', function (e) {
      var button = e.target.closest('[data-action]');
      if (!button) return;
      var index = Number(button.closest('[data-index]').dataset.index);
      var fields = self.formModel.fields;
      if (button.dataset.action === 'remove-field') fields.splice(index, 1);
      if (button.dataset.action === 'field-up' && index > 0) fields.splice(index - 1, 0, fields.splice(index, 1)[0]);
      if (button.dataset.action === 'field-down' && index < fields.length - 1) fields.splice(index + 1, 0, fields.splice(index, 1)[0]);
      render();
      self.writeForm();
    });
  };

  Panel.prototype.writeForm = function () {
    var element = this.element;
    var bo = element.businessObject;
    var name = this.formName(bo);
    var fields = this.formModel.fields.filter(function (f) { return f.key; });
    if (!fields.length) {
      if (name) {
        this.ext.setProperty(element, 'formJsonSchemaFilename', '');
        if (!this.state.formInUse(name)) delete this.state.forms[name];
      }
      return;
    }
    if (!this.formModel.meta.title) this.formModel.meta.title = bo.name || '';
    var property = name;
    name = name || element.id + '.json';
    // The form first: setting the property re-renders panels that read it.
    this.state.forms[name] = RM.forms.schemaFromFields(this.formModel.meta, fields);
    if (!property) this.ext.setProperty(element, 'formJsonSchemaFilename', name);
    this.state.onChange && this.state.onChange();
  };

  /* --- helpers -------------------------------------------------------------------------------------- */

  function is(bo, type) { return bo && typeof bo.$instanceOf === 'function' && bo.$instanceOf(type); }
  function isAny(bo, types) { return types.some(function (t) { return is(bo, t); }); }
  function section(title, body) {
    return '<section class="rm-panel-section mb-3"><h3 class="h6 text-body-secondary small text-uppercase mb-1">' + title + '</h3>' + body + '</section>';
  }
  function pyType(jsonType) {
    return { integer: 'int', number: 'float', boolean: 'bool', string: 'str', object: 'dict', array: 'list' }[jsonType] || 'any';
  }

  RM.Panel = Panel;
})(window.RM = window.RM || {});
