/* Reading and writing our `spiffworkflow:` extension elements through the modeler's commands (so every
   change can be undone and the XML stays typed by the moddle descriptor). */
(function (RM) {
  'use strict';

  function Extensions(modeler) {
    this.modeling = modeler.get('modeling');
    this.moddle = modeler.get('moddle');
  }

  function values(bo) {
    return bo.extensionElements ? bo.extensionElements.get('values') : [];
  }

  Extensions.prototype.find = function (bo, type) {
    return values(bo).find(function (v) { return v.$type === type; });
  };

  Extensions.prototype.property = function (bo, name) {
    var props = this.find(bo, 'spiffworkflow:Properties');
    var found = props && props.get('properties').find(function (p) { return p.name === name; });
    return found ? (found.value || '') : '';
  };

  Extensions.prototype.ensureExtensionElements = function (element) {
    var bo = element.businessObject;
    if (!bo.extensionElements) {
      var ee = this.moddle.create('bpmn:ExtensionElements', { values: [] });
      ee.$parent = bo;
      this.modeling.updateProperties(element, { extensionElements: ee });
    }
    return bo.extensionElements;
  };

  Extensions.prototype.ensure = function (element, type, attrs) {
    var existing = this.find(element.businessObject, type);
    if (existing) return existing;
    var ee = this.ensureExtensionElements(element);
    var created = this.moddle.create(type, attrs || {});
    created.$parent = ee;
    this.modeling.updateModdleProperties(element, ee, { values: ee.get('values').concat([created]) });
    return created;
  };

  /* Drop an extension element (and an emptied extensionElements) from the element. */
  Extensions.prototype.remove = function (element, ext) {
    var bo = element.businessObject;
    var ee = bo.extensionElements;
    if (!ee || !ext) return;
    var rest = ee.get('values').filter(function (v) { return v !== ext; });
    if (rest.length) this.modeling.updateModdleProperties(element, ee, { values: rest });
    else this.modeling.updateProperties(element, { extensionElements: undefined });
  };

  /* Set (or, with an empty value, remove) a `spiffworkflow:property`. */
  Extensions.prototype.setProperty = function (element, name, value) {
    var bo = element.businessObject;
    var props = this.find(bo, 'spiffworkflow:Properties');
    var existing = props && props.get('properties').find(function (p) { return p.name === name; });
    if (value === '' || value == null) {
      if (!existing) return;
      var rest = props.get('properties').filter(function (p) { return p !== existing; });
      if (rest.length) this.modeling.updateModdleProperties(element, props, { properties: rest });
      else this.remove(element, props);
      return;
    }
    if (existing) {
      if (existing.value !== value) this.modeling.updateModdleProperties(element, existing, { value: value });
      return;
    }
    props = this.ensure(element, 'spiffworkflow:Properties');
    var prop = this.moddle.create('spiffworkflow:Property', { name: name, value: value });
    prop.$parent = props;
    this.modeling.updateModdleProperties(element, props, { properties: props.get('properties').concat([prop]) });
  };

  /* Body-text extensions: instructionsForEndUser, preScript, postScript, calledDecisionId. */
  Extensions.prototype.text = function (bo, type) {
    var ext = this.find(bo, type);
    return ext ? (ext.value || '') : '';
  };

  Extensions.prototype.setText = function (element, type, text) {
    var ext = this.find(element.businessObject, type);
    if (!text) { if (ext) this.remove(element, ext); return; }
    ext = ext || this.ensure(element, type);
    if (ext.value !== text) this.modeling.updateModdleProperties(element, ext, { value: text });
  };

  /* Service task: {operation, resultVariable, params: {id: {type, value}}}. */
  Extensions.prototype.serviceCall = function (bo) {
    var op = this.find(bo, 'spiffworkflow:ServiceTaskOperator');
    if (!op) return { operation: '', resultVariable: '', params: {} };
    var params = {};
    var list = op.parameterList ? op.parameterList.get('parameters') : [];
    list.forEach(function (p) { params[p.id] = { type: p.type || '', value: p.value || '' }; });
    return { operation: op.id || '', resultVariable: op.resultVariable || '', params: params };
  };

  Extensions.prototype.setServiceCall = function (element, call) {
    var moddle = this.moddle;
    var old = this.find(element.businessObject, 'spiffworkflow:ServiceTaskOperator');
    if (!call.operation) { if (old) this.remove(element, old); return; }
    var list = moddle.create('spiffworkflow:Parameters');
    var params = Object.keys(call.params || {}).map(function (id) {
      var p = moddle.create('spiffworkflow:Parameter', { id: id, type: call.params[id].type || 'str', value: call.params[id].value });
      p.$parent = list;
      return p;
    });
    list.set('parameters', params);
    var attrs = { id: call.operation, parameterList: list };
    if (call.resultVariable) attrs.resultVariable = call.resultVariable;
    var op = moddle.create('spiffworkflow:ServiceTaskOperator', attrs);
    list.$parent = op;
    var ee = this.ensureExtensionElements(element);
    op.$parent = ee;
    var rest = ee.get('values').filter(function (v) { return v !== old; });
    this.modeling.updateModdleProperties(element, ee, { values: rest.concat([op]) });
  };

  RM.Extensions = Extensions;
})(window.RM = window.RM || {});
