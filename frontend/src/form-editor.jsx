/*
 * form-editor.js — editing a form's JSON Schema and UI schema with a live preview.
 *
 * Contract (Flask templates):
 *
 *   <form method="post" action="...">
 *     <input type="hidden" name="csrf_token" value="...">
 *     <div data-form-editor="form-editor"></div>
 *     <script type="application/json" id="form-editor">{{ config|tojson }}</script>
 *     <button type="submit">保存</button>
 *   </form>
 *
 *   config = {
 *     "schema":      {...} | "raw text",    a string is shown verbatim (e.g. the broken text the
 *     "uiSchema":    {...} | "raw text",      server refused, so nothing typed is lost);
 *                                            "schemaText" / "uiSchemaText" are accepted as aliases
 *     "inputName":   "schema",              hidden input that receives the JSON Schema text
 *     "uiInputName": "ui_schema"            optional; hidden input for the UI schema text
 *   }
 *
 * Two textareas (JSON Schema, 界面配置 UI Schema) and a preview of the rjsf form that re-renders
 * 300 ms after the last keystroke. Invalid JSON shows the reason in Chinese with line and column
 * instead of the preview; a schema ajv cannot compile shows that reason in Chinese. On the enclosing form's
 * submit the textarea contents are copied, as typed, into hidden inputs inputName and uiInputName
 * (created if absent); the server decides whether the schema may be saved. The enclosing form's
 * submit button stays visible. element.bangfu = {getSchemaText(), getUiSchemaText()}.
 */
import { createRoot } from 'react-dom/client';
import { Component, useMemo, useState } from 'react';
import Form from '@rjsf/core';
import { boot, el } from './lib/boot.js';
import {
  defaultFormStateBehavior, makeTransformErrors, prepareSchema, settleConditions, templates, translateString, validator,
  withSubmitOptions,
} from './lib/rjsf-zh.jsx';

const REASONS = [
  [/Unexpected end of JSON input|Unterminated/i, '内容不完整：缺少结尾的括号、方括号或引号'],
  [/Expected property name or '}'|Expected double-quoted property name/i, '此处应为用双引号括起的属性名或 }'],
  [/Expected ',' or '}' after property value/i, '属性值后应为逗号或 }'],
  [/Expected ',' or ']' after array element/i, '数组元素后应为逗号或 ]'],
  [/Expected ':' after property name/i, '属性名后应为冒号'],
  [/Bad control character|Bad escaped character/i, '字符串中有未转义的特殊字符（换行请写作 \\n）'],
  [/non-whitespace character after JSON/i, 'JSON 结束后还有多余的内容'],
  [/Unexpected token '?(.)'?/i, (m) => `此处不应出现字符“${m[1]}”（属性名和文本须用双引号，最后一项后不能有逗号）`],
  [/Unexpected number/i, '此处不应出现数字'],
  [/Unexpected string/i, '此处不应出现文本（是否缺少逗号？）'],
];

/** Chinese description of a JSON.parse failure: "第 3 行第 5 列：属性值后应为逗号或 }". */
export function describeJsonError(text, error) {
  const message = String(error && error.message);
  let reason = '语法错误';
  for (const [pattern, zh] of REASONS) {
    const m = pattern.exec(message);
    if (m) { reason = typeof zh === 'function' ? zh(m) : zh; break; }
  }
  let line; let column;
  const lc = /line (\d+) column (\d+)/.exec(message);
  const pos = /position (\d+)/.exec(message);
  if (lc) {
    [line, column] = [Number(lc[1]), Number(lc[2])];
  } else if (pos) {
    const before = text.slice(0, Number(pos[1])).split('\n');
    [line, column] = [before.length, before[before.length - 1].length + 1];
  } else if (/end of JSON input/i.test(message)) {
    const lines = text.split('\n');
    [line, column] = [lines.length, lines[lines.length - 1].length + 1];
  }
  return line ? `第 ${line} 行第 ${column} 列：${reason}` : reason;
}

const TYPE_NAMES = { string: '文本', integer: '整数', number: '数字', boolean: '是/否', array: '列表', object: '对象', null: '空值' };
const SCHEMA_TYPES = 'string、number、integer、boolean、array、object、null';

/**
 * Chinese sentence for a schema ajv refuses, as the server words it (forms/messages.py):
 * "schema is invalid: data/required must be array" -> "不是有效的 JSON Schema：required 应为列表".
 */
export function describeSchemaError(error) {
  const message = String(error && error.message);
  if (/Invalid regular expression/i.test(message)) return '不是有效的 JSON Schema：其中的正则表达式（pattern）无效';
  const first = /data((?:\/[^ ,]+)*) (must [^,]+)/.exec(message);
  if (!first) return '不是有效的 JSON Schema：写法不符合 JSON Schema 规范';
  const parts = first[1].split('/').filter(Boolean);
  const where = parts.length ? parts.join(' → ') : '整个文档';
  const rule = first[2];
  let reason = '的写法不符合 JSON Schema 规范';
  let m;
  if (parts[parts.length - 1] === 'type' && /allowed values|anyOf|must be array/.test(rule)) {
    reason = `的值不是有效的类型，应为 ${SCHEMA_TYPES} 之一（或它们的列表）`;
  } else if ((m = /^must be (\w+)$/.exec(rule)) && TYPE_NAMES[m[1]]) {
    reason = `应为${TYPE_NAMES[m[1]]}`;
  } else if ((m = /^must be >=? (\S+)/.exec(rule))) {
    reason = `不能小于 ${m[1]}`;
  } else if (/duplicate items/.test(rule)) {
    reason = '不能有重复项';
  } else if (/allowed values/.test(rule)) {
    reason = '不是允许的取值';
  }
  return `不是有效的 JSON Schema：${where} ${reason}`;
}

const asText = (value, fallback) => {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return fallback;
  return JSON.stringify(value, null, 2);
};

class PreviewBoundary extends Component {
  constructor(props) { super(props); this.state = { error: null }; }

  static getDerivedStateFromError(error) { return { error }; }

  render() {
    if (this.state.error) return <div className="bf-error-list">预览出错：{String(this.state.error.message || this.state.error)}</div>;
    return this.props.children;
  }
}

function Preview({ schema, uiSchema }) {
  const transformErrors = makeTransformErrors(() => schema, () => undefined);
  const prepared = useMemo(() => prepareSchema(schema), [schema]);
  const [formData, setFormData] = useState(undefined);
  return (
    <Form
      schema={settleConditions(prepared, formData)}
      formData={formData}
      onChange={(event) => setFormData(event.formData)}
      uiSchema={withSubmitOptions(uiSchema, { norender: true })}
      validator={validator}
      experimental_defaultFormStateBehavior={defaultFormStateBehavior}
      templates={templates}
      translateString={translateString}
      transformErrors={transformErrors}
      idPrefix="bf_preview"
      noHtml5Validate
      liveValidate={false}
      className="bf-rjsf bf-preview-form"
      onSubmit={() => {}}
    />
  );
}

boot('data-form-editor', '表单编辑器', (container, config) => {
  container.classList.add('bf-form-editor');
  const schemaArea = el('textarea', { class: 'bf-code', rows: '22', spellcheck: 'false', 'aria-label': 'JSON Schema', 'data-role': 'schema' });
  const uiArea = el('textarea', { class: 'bf-code', rows: '10', spellcheck: 'false', 'aria-label': '界面配置（UI Schema）', 'data-role': 'ui-schema' });
  schemaArea.value = asText(config.schema ?? config.schemaText, '{\n  "type": "object",\n  "properties": {}\n}');
  uiArea.value = asText(config.uiSchema ?? config.uiSchemaText, '{}');
  const problem = el('div', { class: 'bf-error-list', role: 'alert', hidden: true, 'data-role': 'problem' });
  const previewRoot = el('div', { class: 'bf-preview-body' });
  container.replaceChildren(el('div', { class: 'bf-editor-grid' },
    el('div', { class: 'bf-editor-sources' },
      el('label', {}, 'JSON Schema（字段、类型、校验规则）', schemaArea),
      el('label', {}, '界面配置 UI Schema（顺序、控件、提示文字）', uiArea)),
    el('div', { class: 'bf-editor-preview' },
      el('h4', {}, '预览'), el('p', { class: 'bf-muted' }, '填写人看到的表单如下（预览中的输入不会保存）。'), problem, previewRoot)));

  const root = createRoot(previewRoot);
  let generation = 0;

  function update() {
    const parsed = {};
    for (const [key, area, label] of [['schema', schemaArea, 'JSON Schema'], ['ui', uiArea, '界面配置']]) {
      const text = area.value.trim();
      if (key === 'ui' && text === '') { parsed.ui = {}; continue; }
      try {
        parsed[key] = JSON.parse(text);
      } catch (e) {
        return showProblem(`${label} 不是有效的 JSON —— ${describeJsonError(area.value, e)}`);
      }
      if (!parsed[key] || typeof parsed[key] !== 'object' || Array.isArray(parsed[key])) {
        return showProblem(`${label} 应为一个 JSON 对象（以 { 开头）`);
      }
    }
    const compiled = validator.rawValidation(parsed.schema, {});
    if (compiled.validationError) {
      return showProblem(describeSchemaError(compiled.validationError));
    }
    problem.hidden = true;
    problem.textContent = '';
    previewRoot.hidden = false;
    generation += 1;
    root.render(<PreviewBoundary key={generation}><Preview schema={parsed.schema} uiSchema={parsed.ui} /></PreviewBoundary>);
    return true;
  }

  function showProblem(text) {
    problem.textContent = text;
    problem.hidden = false;
    previewRoot.hidden = true;
    return false;
  }

  let timer = null;
  const schedule = () => { clearTimeout(timer); timer = setTimeout(update, 300); };
  schemaArea.addEventListener('input', schedule);
  uiArea.addEventListener('input', schedule);
  update();

  const outer = container.closest('form');
  if (outer) {
    const hidden = (name) => {
      let input = Array.from(outer.querySelectorAll('input[type="hidden"]')).find((i) => i.name === name && !container.contains(i));
      if (!input) {
        input = el('input', { type: 'hidden', name });
        outer.append(input);
      }
      return input;
    };
    outer.addEventListener('submit', (event) => {
      if (event.target !== outer) return; // the preview's own (nested) form
      hidden(config.inputName || 'schema').value = schemaArea.value;
      hidden(config.uiInputName || 'ui_schema').value = uiArea.value;
    });
  }
  return { getSchemaText: () => schemaArea.value, getUiSchemaText: () => uiArea.value, update };
});
