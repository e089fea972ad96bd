/* Builders that turn what a designer picks (SLA, timer, flow condition) into the texts the engine reads,
   and read those texts back into the builder. Pure functions: no DOM, no modeler. */
(function (RM) {
  'use strict';

  var SLA_UNITS = { minutes: 'M', hours: 'H', days: 'D' };

  /* {amount: 8, unit: 'hours', working: true} -> "PT8H working" (the `sla` property). */
  function slaToText(sla) {
    var amount = Number(sla.amount);
    if (!sla.amount || !isFinite(amount) || amount <= 0) return '';
    var code = SLA_UNITS[sla.unit] || 'H';
    var iso = code === 'D' ? 'P' + amount + 'D' : 'PT' + amount + code;
    return iso + (sla.working ? ' working' : ' calendar');
  }

  /* "PT8H working" -> {amount: 8, unit: 'hours', working: true}; null when the text is not one amount. */
  function parseSla(text) {
    var m = /^P(?:(\d+(?:\.\d+)?)D|T(\d+(?:\.\d+)?)([HM]))(?:\s+(working|calendar))?$/i.exec((text || '').trim());
    if (!m) return null;
    var working = (m[4] || '').toLowerCase() === 'working';
    if (m[1]) return { amount: Number(m[1]), unit: 'days', working: working };
    return { amount: Number(m[2]), unit: m[3].toUpperCase() === 'H' ? 'hours' : 'minutes', working: working };
  }

  /* A Python string literal (single quotes) of any text. */
  function pyString(text) {
    return "'" + String(text).replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n') + "'";
  }

  function unquote(expr) {
    var m = /^'((?:[^'\\]|\\.)*)'$/.exec(expr) || /^"((?:[^"\\]|\\.)*)"$/.exec(expr);
    return m ? m[1].replace(/\\(.)/g, '$1') : null;
  }

  /* Timer builder -> {definition: 'timeDuration'|'timeDate'|'timeCycle', expression}.
     Working time goes through the sandbox's calendar helpers, which give an instant (a timeDate). */
  function timerToExpression(t) {
    if (t.kind === 'duration') {
      if (t.working) return { definition: 'timeDate', expression: 'working_time(' + pyString(t.duration) + ')' };
      return { definition: 'timeDuration', expression: pyString(t.duration) };
    }
    if (t.kind === 'date') {
      if (t.working) return { definition: 'timeDate', expression: 'next_working_day(' + pyString(t.time || '09:00') + ')' };
      return { definition: 'timeDate', expression: pyString(t.date) };
    }
    return { definition: 'timeCycle', expression: pyString(t.cycle) };
  }

  /* The inverse of timerToExpression; {kind: 'expert', expression} for anything the builder did not write. */
  function parseTimer(definition, expression) {
    var expr = (expression || '').trim();
    var m;
    if (definition === 'timeDate' && (m = /^working_time\((['"])(.*)\1\)$/.exec(expr))) {
      return { kind: 'duration', working: true, duration: m[2] };
    }
    if (definition === 'timeDate' && (m = /^next_working_day\((['"])(.*)\1\)$/.exec(expr))) {
      return { kind: 'date', working: true, time: m[2] };
    }
    var literal = unquote(expr);
    if (literal !== null) {
      if (definition === 'timeDuration') return { kind: 'duration', working: false, duration: literal };
      if (definition === 'timeDate') return { kind: 'date', working: false, date: literal };
      if (definition === 'timeCycle') return { kind: 'cycle', working: false, cycle: literal };
    }
    return { kind: 'expert', definition: definition || 'timeDuration', expression: expr };
  }

  var OPERATORS = ['==', '!=', '>', '>=', '<', '<=', 'in', 'not in', 'contains', 'empty', 'not empty'];

  /* A value as typed -> a Python literal: numbers and True/False stay, lists split on commas, text is quoted. */
  function pyLiteral(value, asList) {
    var text = String(value == null ? '' : value).trim();
    if (asList) {
      return '[' + text.split(',').map(function (v) { return pyLiteral(v, false); }).join(', ') + ']';
    }
    if (/^-?\d+(\.\d+)?$/.test(text)) return text;
    if (/^(true|false)$/i.test(text)) return text.toLowerCase() === 'true' ? 'True' : 'False';
    if (text === 'None') return 'None';
    return pyString(text);
  }

  function fromLiteral(text) {
    var s = unquote(text);
    if (s !== null) return s;
    if (text === 'True') return 'true';
    if (text === 'False') return 'false';
    return text;
  }

  /* {field, op, value} -> a Python condition for a sequence flow. */
  function conditionToExpression(c) {
    var field = (c.field || '').trim();
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(field)) return null;
    switch (c.op) {
      case 'empty': return 'not ' + field;
      case 'not empty': return 'bool(' + field + ')';
      case 'contains': return pyLiteral(c.value, false) + ' in ' + field;
      case 'in': return field + ' in ' + pyLiteral(c.value, true);
      case 'not in': return field + ' not in ' + pyLiteral(c.value, true);
      default: return field + ' ' + c.op + ' ' + pyLiteral(c.value, false);
    }
  }

  var IDENT = '([A-Za-z_][A-Za-z0-9_]*)';
  var LITERAL = "(-?\\d+(?:\\.\\d+)?|True|False|None|'(?:[^'\\\\]|\\\\.)*')";

  /* The inverse of conditionToExpression; null when the expression needs the expert mode. */
  function parseCondition(expression) {
    var expr = (expression || '').trim();
    var m;
    if ((m = new RegExp('^not ' + IDENT + '$').exec(expr))) return { field: m[1], op: 'empty', value: '' };
    if ((m = new RegExp('^bool\\(' + IDENT + '\\)$').exec(expr))) return { field: m[1], op: 'not empty', value: '' };
    if ((m = new RegExp('^' + LITERAL + ' in ' + IDENT + '$').exec(expr))) {
      return { field: m[2], op: 'contains', value: fromLiteral(m[1]) };
    }
    if ((m = new RegExp('^' + IDENT + ' (not in|in) \\[(.*)\\]$').exec(expr))) {
      var items = m[3].trim() ? m[3].split(/\s*,\s*/) : [];
      var ok = items.every(function (i) { return new RegExp('^' + LITERAL + '$').test(i); });
      if (ok) return { field: m[1], op: m[2], value: items.map(fromLiteral).join(', ') };
      return null;
    }
    if ((m = new RegExp('^' + IDENT + ' (==|!=|>=|<=|>|<) ' + LITERAL + '$').exec(expr))) {
      return { field: m[1], op: m[2], value: fromLiteral(m[3]) };
    }
    return null;
  }

  RM.rules = {
    slaToText: slaToText,
    parseSla: parseSla,
    pyString: pyString,
    timerToExpression: timerToExpression,
    parseTimer: parseTimer,
    OPERATORS: OPERATORS,
    conditionToExpression: conditionToExpression,
    parseCondition: parseCondition,
  };
})(window.RM = window.RM || {});
