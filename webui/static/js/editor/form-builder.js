/* Task forms: a list of fields <-> the JSON Schema deployed with the route map, and a Bootstrap preview.
   Field types map to JSON Schema as documented in docs/designers.md; keywords the builder does not manage
   (minimum, pattern, ...) are kept in `extra` and written back unchanged. */
(function (RM) {
  'use strict';

  var TYPES = ['text', 'textarea', 'number', 'money', 'date', 'datetime', 'select', 'multiselect', 'checkbox', 'file', 'client'];
  var MANAGED = ['type', 'title', 'default', 'enum', 'format', 'x-widget', 'items', 'uniqueItems'];

  function typeOf(prop) {
    var widget = prop['x-widget'];
    if (prop.type === 'array' && prop.items && prop.items.enum) return 'multiselect';
    if (prop.enum) return 'select';
    if (prop.type === 'boolean') return 'checkbox';
    if (widget === 'client') return 'client';
    if (widget === 'money') return 'money';
    if (prop.type === 'number' || prop.type === 'integer') return 'number';
    if (widget === 'textarea') return 'textarea';
    if (widget === 'file') return 'file';
    if (prop.format === 'date') return 'date';
    if (prop.format === 'date-time') return 'datetime';
    if (prop.type === 'string' || prop.type === undefined) return 'text';
    return null;
  }

  function copyExcept(obj, keys) {
    var out = {};
    Object.keys(obj || {}).forEach(function (k) { if (keys.indexOf(k) < 0) out[k] = obj[k]; });
    return out;
  }

  /* JSON Schema -> {meta, fields}. A property the builder cannot represent becomes a 'custom' field whose
     schema is kept whole. */
  function fieldsFromSchema(schema) {
    schema = schema || {};
    var required = schema.required || [];
    var props = schema.properties || {};
    var fields = Object.keys(props).map(function (key) {
      var prop = props[key] || {};
      var type = typeOf(prop);
      if (type === null) return { key: key, type: 'custom', label: prop.title || key, required: required.indexOf(key) >= 0, raw: prop };
      var options = type === 'multiselect' ? prop.items.enum : (prop.enum || []);
      var extra = copyExcept(prop, MANAGED);
      if (type === 'number' && prop.type === 'integer') extra.__integer = true;
      return {
        key: key,
        type: type,
        label: prop.title || '',
        required: required.indexOf(key) >= 0,
        options: options.map(String),
        default: prop.default === undefined ? '' : (Array.isArray(prop.default) ? prop.default.join(', ') : String(prop.default)),
        extra: extra,
      };
    });
    return { meta: copyExcept(schema, ['properties', 'required']), fields: fields };
  }

  function parseDefault(field) {
    var text = field.default;
    if (text === undefined || text === '') return undefined;
    switch (field.type) {
      case 'number': case 'money': case 'client': {
        var n = Number(text);
        return isFinite(n) ? n : undefined;
      }
      case 'checkbox': return text === true || text === 'true';
      case 'multiselect': return String(text).split(',').map(function (s) { return s.trim(); }).filter(Boolean);
      default: return String(text);
    }
  }

  function propertyFor(field) {
    if (field.type === 'custom') return field.raw;
    var extra = copyExcept(field.extra || {}, ['__integer']);
    var prop = {};
    var options = (field.options || []).filter(function (o) { return o !== ''; });
    switch (field.type) {
      case 'text': prop.type = 'string'; break;
      case 'textarea': prop.type = 'string'; prop['x-widget'] = 'textarea'; break;
      case 'number': prop.type = (field.extra && field.extra.__integer) ? 'integer' : 'number'; break;
      case 'money': prop.type = 'number'; prop['x-widget'] = 'money'; break;
      case 'date': prop.type = 'string'; prop.format = 'date'; break;
      case 'datetime': prop.type = 'string'; prop.format = 'date-time'; break;
      case 'select': prop.type = 'string'; prop.enum = options; break;
      case 'multiselect': prop.type = 'array'; prop.items = { type: 'string', enum: options }; prop.uniqueItems = true; break;
      case 'checkbox': prop.type = 'boolean'; break;
      case 'file': prop.type = 'string'; prop['x-widget'] = 'file'; break;
      case 'client': prop.type = 'integer'; prop['x-widget'] = 'client'; break;
    }
    if (field.label) prop.title = field.label;
    var def = parseDefault(field);
    if (def !== undefined) prop.default = def;
    return Object.assign(prop, extra);
  }

  /* {meta, fields} -> JSON Schema (draft 2020-12 unless the original said otherwise). */
  function schemaFromFields(meta, fields) {
    var schema = Object.assign({ $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object' }, meta || {});
    schema.properties = {};
    var required = [];
    fields.forEach(function (f) {
      if (!f.key) return;
      schema.properties[f.key] = propertyFor(f);
      if (f.required) required.push(f.key);
    });
    if (required.length) schema.required = required;
    return schema;
  }

  /* A field key from its label: lower-case ASCII identifier, unique among `taken`. */
  function keyFromLabel(label, taken) {
    var translit = { а: 'a', б: 'b', в: 'v', г: 'g', д: 'd', е: 'e', ё: 'e', ж: 'zh', з: 'z', и: 'i', й: 'i', к: 'k', л: 'l', м: 'm', н: 'n', о: 'o', п: 'p', р: 'r', с: 's', т: 't', у: 'u', ф: 'f', х: 'h', ц: 'c', ч: 'ch', ш: 'sh', щ: 'sch', ъ: '', ы: 'y', ь: '', э: 'e', ю: 'yu', я: 'ya' };
    var base = String(label || '').toLowerCase().split('').map(function (ch) {
      return translit[ch] !== undefined ? translit[ch] : ch;
    }).join('').replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '') || 'field';
    if (/^[0-9]/.test(base)) base = 'f_' + base;
    var key = base;
    var n = 2;
    while (taken.indexOf(key) >= 0) key = base + '_' + n++;
    return key;
  }

  function esc(text) {
    return String(text == null ? '' : text).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  /* The form as a task performer will see it (Bootstrap inputs, disabled). */
  function previewHtml(fields, t) {
    if (!fields.length) return '<p class="text-body-secondary small mb-0">' + esc(t.noFields) + '</p>';
    return fields.map(function (f) {
      var id = 'preview-' + esc(f.key);
      var label = esc(f.label || f.key) + (f.required ? ' <span class="text-danger">*</span>' : '');
      var def = f.default == null ? '' : f.default;
      var control;
      switch (f.type) {
        case 'textarea': control = '<textarea class="form-control form-control-sm" id="' + id + '" rows="2" disabled>' + esc(def) + '</textarea>'; break;
        case 'number': control = '<input class="form-control form-control-sm" type="number" id="' + id + '" value="' + esc(def) + '" disabled>'; break;
        case 'money': control = '<div class="input-group input-group-sm"><input class="form-control" type="number" step="0.01" id="' + id + '" value="' + esc(def) + '" disabled><span class="input-group-text">₽</span></div>'; break;
        case 'date': control = '<input class="form-control form-control-sm" type="date" id="' + id + '" value="' + esc(def) + '" disabled>'; break;
        case 'datetime': control = '<input class="form-control form-control-sm" type="datetime-local" id="' + id + '" disabled>'; break;
        case 'select': case 'multiselect':
          control = '<select class="form-select form-select-sm" id="' + id + '"' + (f.type === 'multiselect' ? ' multiple' : '') + ' disabled>' +
            (f.options || []).map(function (o) { return '<option' + (o === def ? ' selected' : '') + '>' + esc(o) + '</option>'; }).join('') + '</select>';
          break;
        case 'checkbox':
          return '<div class="form-check mb-2"><input class="form-check-input" type="checkbox" id="' + id + '"' + (def === 'true' ? ' checked' : '') + ' disabled><label class="form-check-label" for="' + id + '">' + label + '</label></div>';
        case 'file': control = '<input class="form-control form-control-sm" type="file" id="' + id + '" disabled>'; break;
        case 'client': control = '<div class="input-group input-group-sm"><span class="input-group-text"><i class="bi bi-person-vcard"></i></span><input class="form-control" id="' + id + '" placeholder="' + esc(t.clientPicker) + '" disabled></div>'; break;
        case 'custom': control = '<pre class="small bg-body-tertiary p-1 mb-0">' + esc(JSON.stringify(f.raw)) + '</pre>'; break;
        default: control = '<input class="form-control form-control-sm" id="' + id + '" value="' + esc(def) + '" disabled>';
      }
      return '<div class="mb-2" data-preview-field="' + esc(f.key) + '"><label class="form-label small mb-0" for="' + id + '">' + label + '</label>' + control + '</div>';
    }).join('');
  }

  RM.forms = {
    TYPES: TYPES,
    fieldsFromSchema: fieldsFromSchema,
    schemaFromFields: schemaFromFields,
    keyFromLabel: keyFromLabel,
    previewHtml: previewHtml,
    esc: esc,
  };
})(window.RM = window.RM || {});
