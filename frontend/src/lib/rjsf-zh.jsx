// Shared @rjsf set-up for form.js and form-editor.js: zh-CN strings, text buttons (the core theme's
// glyphicon buttons would be empty boxes without Bootstrap 3), the custom formats, Chinese error
// messages worded like the server's (service/forms/validation.py), and server errors → errorSchema.
import { TranslatableString, getSubmitButtonOptions, replaceStringParameters } from '@rjsf/utils';
import { customizeValidator } from '@rjsf/validator-ajv8';
import { customFormats, FORMAT_MESSAGES, FORMAT_PROBLEMS } from './formats.js';

const ZH = {
  [TranslatableString.ArrayItemTitle]: '第 %1 项',
  [TranslatableString.MissingItems]: '缺少列表项定义',
  [TranslatableString.EmptyArray]: '暂无内容，请点击下方“添加”按钮。',
  [TranslatableString.YesLabel]: '是',
  [TranslatableString.NoLabel]: '否',
  [TranslatableString.CloseLabel]: '关闭',
  [TranslatableString.ErrorsLabel]: '请修正以下问题',
  [TranslatableString.NewStringDefault]: '新值',
  [TranslatableString.AddButton]: '添加',
  [TranslatableString.AddItemButton]: '添加',
  [TranslatableString.CopyButton]: '复制',
  [TranslatableString.ExpandButton]: '展开',
  [TranslatableString.MoveDownButton]: '下移',
  [TranslatableString.MoveUpButton]: '上移',
  [TranslatableString.RemoveButton]: '删除',
  [TranslatableString.NowLabel]: '现在',
  [TranslatableString.ClearLabel]: '清除',
  [TranslatableString.AriaDateLabel]: '选择日期',
  [TranslatableString.PreviewLabel]: '预览',
  [TranslatableString.DecrementAriaLabel]: '减 1',
  [TranslatableString.IncrementAriaLabel]: '加 1',
  [TranslatableString.OptionalObjectAdd]: '填写此可选项',
  [TranslatableString.OptionalObjectRemove]: '不填此可选项',
  [TranslatableString.OptionalObjectEmptyMsg]: '此可选项未填写',
  [TranslatableString.Type]: '类型',
  [TranslatableString.Value]: '值',
  [TranslatableString.ClearButton]: '清空',
  [TranslatableString.UnknownFieldType]: '未知的字段类型 %1',
  [TranslatableString.OptionPrefix]: '选项 %1',
  [TranslatableString.TitleOptionPrefix]: '%1 选项 %2',
  [TranslatableString.KeyLabel]: '%1 键',
  [TranslatableString.DeprecatedLabel]: '%1（已停用）',
  [TranslatableString.CycleDetected]: '字段“%1”存在循环引用',
  [TranslatableString.InvalidObjectField]: '“%1”对象字段配置无效：_%2_。',
  [TranslatableString.UnsupportedField]: '不支持的字段定义。',
  [TranslatableString.UnsupportedFieldWithId]: '字段 `%1` 的定义不受支持。',
  [TranslatableString.UnsupportedFieldWithReason]: '不支持的字段定义：_%1_。',
  [TranslatableString.UnsupportedFieldWithIdAndReason]: '字段 `%1` 的定义不受支持：_%2_。',
  [TranslatableString.FilesInfo]: '**%1**（%2，%3 字节）',
};

export function translateString(str, params) {
  return replaceStringParameters(ZH[str] ?? str, params);
}

// ---- buttons with visible Chinese text -------------------------------------------------------

function TextButton({ label, kind = '', className = '', registry, uiSchema, iconType, icon, ...rest }) {
  return (
    <button type="button" className={`bf-btn ${kind} ${className}`} title={label} {...rest}>
      {label}
    </button>
  );
}

const AddButton = ({ id, className, onClick, disabled, registry }) => (disabled ? null : (
  <div className="bf-array-add">
    <TextButton id={id} label={`＋ ${translateString(TranslatableString.AddButton)}`} kind="secondary"
      className={className} onClick={onClick} registry={registry} />
  </div>
));
const RemoveButton = (p) => <TextButton {...p} label={translateString(TranslatableString.RemoveButton)} kind="secondary outline bf-danger" />;
const MoveUpButton = (p) => <TextButton {...p} label={translateString(TranslatableString.MoveUpButton)} kind="secondary outline" />;
const MoveDownButton = (p) => <TextButton {...p} label={translateString(TranslatableString.MoveDownButton)} kind="secondary outline" />;
const CopyButton = (p) => <TextButton {...p} label={translateString(TranslatableString.CopyButton)} kind="secondary outline" />;
const ClearButton = (p) => <TextButton {...p} label={translateString(TranslatableString.ClearButton)} kind="secondary outline" />;

function SubmitButton({ uiSchema }) {
  const options = getSubmitButtonOptions(uiSchema);
  if (options.norender) return null;
  const { className = '', ...props } = options.props || {};
  return (
    <div className="bf-submit">
      <button type="submit" {...props} className={`bf-submit-button ${className}`}>
        {options.submitText && options.submitText !== 'Submit' ? options.submitText : '提交'}
      </button>
    </div>
  );
}

/** An array item as a card; items that are objects get a numbered heading ("家庭成员 2") instead of
 *  repeating the item schema's title as a legend. */
function ArrayFieldItemTemplate({ children, className, buttonsProps, hasToolbar, disabled, readonly, schema, index }) {
  const Buttons = buttonsProps.registry.templates.ArrayFieldItemButtonsTemplate;
  const isObject = !!schema && (schema.type === 'object' || !!schema.properties);
  return (
    <div className={`bf-array-item ${isObject ? 'bf-array-item-object' : ''} ${className || ''}`}>
      {isObject && (
        <div className="bf-array-item-title">
          {schema.title ? `${schema.title} ${index + 1}` : translateString(TranslatableString.ArrayItemTitle, [String(index + 1)])}
        </div>
      )}
      <div className="bf-array-item-body">{children}</div>
      {hasToolbar && !disabled && !readonly && (
        <div className="bf-array-item-toolbar"><Buttons {...buttonsProps} /></div>
      )}
    </div>
  );
}

function ErrorList({ errors, schema, registry }) {
  const root = (registry && registry.rootSchema) || schema;
  const text = (error) => {
    const path = splitPath(error.property);
    if (!error.message) return error.stack;
    return labelled(root, path, error.message);
  };
  return (
    <div className="bf-error-list" role="alert">
      <strong>{translateString(TranslatableString.ErrorsLabel)}：</strong>
      <ul>{errors.map((error, i) => <li key={i}>{text(error)}</li>)}</ul>
    </div>
  );
}

export const templates = {
  ButtonTemplates: { AddButton, RemoveButton, MoveUpButton, MoveDownButton, CopyButton, ClearButton, SubmitButton },
  ArrayFieldItemTemplate,
  ErrorListTemplate: ErrorList,
};

// ---- validation ---------------------------------------------------------------------------

export const validator = customizeValidator({ customFormats });

/** Form defaults: a `const: true` checkbox (e.g. 申请人已签字) starts unticked — the user must confirm it. */
export const defaultFormStateBehavior = { constAsDefaults: 'never' };

const isConstOption = (o) => o && typeof o === 'object' && 'const' in o;

/**
 * A copy of the schema for rendering: where a node has both `enum` and a oneOf of {const, title}
 * (how our forms and the server's x-choices give labelled options), drop `enum` so rjsf shows the
 * Chinese titles instead of the codes. Validation is unchanged: oneOf of consts allows the same values.
 */
export function prepareSchema(schema) {
  const visit = (node) => {
    if (Array.isArray(node)) return node.map(visit);
    if (!node || typeof node !== 'object') return node;
    const out = {};
    for (const [key, value] of Object.entries(node)) out[key] = visit(value);
    if (Array.isArray(out.enum) && Array.isArray(out.oneOf) && out.oneOf.length > 0 && out.oneOf.every(isConstOption)) {
      delete out.enum;
    }
    return out;
  };
  return visit(schema);
}

const unanswered = (value) => value === undefined || value === null;

/**
 * A copy of the schema as it stands for the answers so far: a condition (if/then/else) whose `if` requires
 * an answer not given yet applies neither branch. rjsf applies `else` to a failed `if`, so a review form whose
 * 审核意见 is required "unless 审核结论 is 通过" showed it required (red star) before any 审核结论 was picked;
 * the marker now follows the decision chosen. Validation is unchanged once those answers are given, and before
 * that the missing answer is itself an error (its `required`). Conditions inside arrays are left as they are.
 */
export function settleConditions(schema, formData) {
  const visit = (node, data) => {
    if (!node || typeof node !== 'object' || Array.isArray(node)) return node;
    let out = node;
    const own = () => { if (out === node) out = { ...node }; return out; };
    const waiting = node.if && typeof node.if === 'object' && Array.isArray(node.if.required)
      && node.if.required.some((name) => unanswered(data && typeof data === 'object' ? data[name] : undefined));
    if (waiting) {
      const settled = own();
      delete settled.if;
      delete settled.then;
      delete settled.else;
    }
    if (Array.isArray(node.allOf)) {
      const parts = node.allOf.map((part) => visit(part, data));
      if (parts.some((part, i) => part !== node.allOf[i])) own().allOf = parts;
    }
    if (node.properties && typeof node.properties === 'object' && data && typeof data === 'object' && !Array.isArray(data)) {
      const properties = {};
      let changed = false;
      for (const [name, child] of Object.entries(node.properties)) {
        properties[name] = visit(child, data[name]);
        changed = changed || properties[name] !== child;
      }
      if (changed) own().properties = properties;
    }
    return out;
  };
  return visit(schema, formData ?? {});
}

/** The sub-schema at a dotted instance path ("family_members.0.id_number"), following properties/items. */
export function schemaAt(schema, path) {
  let node = schema;
  for (const part of path) {
    if (!node || typeof node !== 'object') return undefined;
    if (node.properties && Object.prototype.hasOwnProperty.call(node.properties, part)) node = node.properties[part];
    else if (/^\d+$/.test(part) && node.items) node = Array.isArray(node.items) ? node.items[Number(part)] : node.items;
    else return undefined;
  }
  return node;
}

function valueAt(data, path) {
  let node = data;
  for (const part of path) {
    if (node == null || typeof node !== 'object') return undefined;
    node = node[part];
  }
  return node;
}

const splitPath = (property) => String(property || '').replace(/^\./, '').split('.').filter(Boolean);

/** An error as the list shows it: the field's label, then the message ("家庭成员 · 第 1 项 · 身份证号码：…"); a message
 * that names its field itself (走访日期不能晚于今天) is not prefixed with that name again. */
export function labelled(schema, path, message) {
  if (!path.length) return message;
  const label = fieldLabel(schema, path);
  const node = schemaAt(schema, path);
  const title = node && node.title;
  if (title && String(message).startsWith(title)) {
    const parent = fieldLabel(schema, path.slice(0, -1));
    return parent && path.length > 1 ? `${parent} · ${message}` : message;
  }
  return `${label}：${message}`;
}

/** "家庭成员 第 1 项 · 身份证号码" for family_members.0.id_number. */
export function fieldLabel(schema, path) {
  const parts = [];
  for (let i = 0; i < path.length; i += 1) {
    const node = schemaAt(schema, path.slice(0, i + 1));
    if (/^\d+$/.test(path[i])) parts.push(`第 ${Number(path[i]) + 1} 项`);
    else parts.push((node && node.title) || path[i]);
  }
  return parts.join(' · ');
}

function optionLabel(node, value) {
  const options = node && (node.oneOf || node.anyOf);
  const found = Array.isArray(options) && options.find((o) => isConstOption(o) && o.const === value);
  return found && found.title ? found.title : String(value);
}

function containsMessage(schema, path, params, arraySchema) {
  const contains = arraySchema && arraySchema.contains;
  const props = contains && contains.properties;
  if (props) {
    const [name, rule] = Object.entries(props).find(([, r]) => r && 'const' in r) || [];
    if (name) {
      const itemNode = schemaAt(arraySchema, ['0', name]);
      return `至少一项的“${(itemNode && itemNode.title) || name}”应为“${optionLabel(itemNode, rule.const)}”`;
    }
  }
  return `至少 ${params.minContains || 1} 项应符合要求`;
}

const TYPES = { string: '文本', integer: '整数', number: '数字', boolean: '是/否', array: '列表', object: '对象', null: '空值' };

/** Chinese message for one rjsf/ajv error; `value` is the offending value when known. */
function messageFor(error, value, schema, path) {
  const p = error.params || {};
  switch (error.name) {
    case 'required': return '必填';
    case 'type': {
      if (value === null || value === undefined || value === '') return '必填';
      const wanted = Array.isArray(p.type) ? p.type : String(p.type || '').split(',');
      return `应为${wanted.map((t) => TYPES[t] || t).join('或')}`;
    }
    case 'const': return p.allowedValue === true ? '须勾选确认' : '不是允许的选项';
    case 'enum': case 'oneOf': case 'anyOf': return '不是允许的选项';
    case 'format': {
      const check = FORMAT_PROBLEMS[p.format];
      return (check && value !== undefined && check(value)) || FORMAT_MESSAGES[p.format] || '格式不正确';
    }
    case 'minimum': return `不能小于 ${p.limit}`;
    case 'maximum': return `不能大于 ${p.limit}`;
    case 'exclusiveMinimum': return `应大于 ${p.limit}`;
    case 'exclusiveMaximum': return `应小于 ${p.limit}`;
    case 'minLength': return p.limit === 1 ? '必填' : `至少 ${p.limit} 个字符`;
    case 'maxLength': return `最多 ${p.limit} 个字符`;
    case 'minItems': return `至少填写 ${p.limit} 项`;
    case 'maxItems': return `最多填写 ${p.limit} 项`;
    case 'uniqueItems': return '不能有重复项';
    case 'pattern': return '格式不正确';
    case 'multipleOf': return `应为 ${p.multipleOf} 的整数倍`;
    case 'additionalProperties': return '不是此表单的字段';
    case 'contains': return containsMessage(schema, path, p, schemaAt(schema, path));
    default: return '不符合要求';
  }
}

/**
 * rjsf transformErrors: Chinese messages; drop the noise ajv adds for oneOf-of-consts (one "const"
 * error per option plus the "oneOf" one) keeping a single "不是允许的选项"; stack = "label：message".
 */
/**
 * Where a field stands in the form as it is shown: for each step of its path, its place in ui:order (then the
 * schema's order) or its index in a list. The error list follows it, so it reads top to bottom and the first
 * error focused is the one highest on the page (ajv reports missing fields before a list's items).
 */
function displayRank(schema, uiSchema, path) {
  const rank = [];
  let node = schema;
  let ui = uiSchema || {};
  for (const part of path) {
    if (/^\d+$/.test(part)) {
      rank.push(Number(part));
      node = node && node.items;
      ui = (ui && ui.items) || {};
      continue;
    }
    const names = Object.keys((node && node.properties) || {});
    const order = Array.isArray(ui && ui['ui:order']) ? ui['ui:order'].filter((n) => n !== '*') : [];
    const shown = [...order, ...names.filter((n) => !order.includes(n))];
    const index = shown.indexOf(part);
    rank.push(index < 0 ? shown.length : index);
    node = node && node.properties ? node.properties[part] : undefined;
    ui = (ui && ui[part]) || {};
  }
  return rank;
}

function compareRanks(a, b) {
  for (let i = 0; i < Math.min(a.length, b.length); i += 1) {
    if (a[i] !== b[i]) return a[i] - b[i];
  }
  return a.length - b.length;
}

export function makeTransformErrors(getSchema, getFormData, getUiSchema = () => ({})) {
  return (errors) => {
    const schema = getSchema();
    const formData = getFormData();
    const uiSchema = getUiSchema();
    const seen = new Set();
    const out = [];
    for (const error of errors) {
      let path = splitPath(error.property);
      if (error.name === 'additionalProperties' && error.params && error.params.additionalProperty) {
        path = [...path, error.params.additionalProperty];
      }
      if (error.name === 'const' || error.name === 'enum') {
        // errors for one option of a oneOf sit under schemaPath .../oneOf/N/const; the oneOf error stays
        if (/\/(oneOf|anyOf)\/\d+\//.test(error.schemaPath || '')) continue;
      }
      if (error.name === 'if' || error.name === 'then' || error.name === 'else') continue;
      const message = messageFor(error, valueAt(formData, path), schema, path);
      const property = path.length ? `.${path.join('.')}` : '';
      const key = `${property}|${message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({
        ...error,
        property,
        message,
        stack: labelled(schema, path, message),
        rank: displayRank(schema, uiSchema, path),
      });
    }
    return out.sort((a, b) => compareRanks(a.rank, b.rank)).map(({ rank, ...error }) => error);
  };
}

// ---- server errors → errorSchema ------------------------------------------------------------

/**
 * {"data.family_members.0.id_number": ["msg"], "data": ["msg"]} → rjsf errorSchema
 * {family_members: {0: {id_number: {__errors: ["msg"]}}}, __errors: [...]}.
 * A leading "data" segment is stripped unless the schema has a top-level "data" property;
 * "(根)" / "" / "data" alone mean the form as a whole.
 */
export function serverErrorsToErrorSchema(errors, schema, uiSchema) {
  const root = {};
  if (!errors || typeof errors !== 'object') return root;
  const hasDataProperty = !!(schema && schema.properties && schema.properties.data);
  const entries = Object.entries(errors).map(([rawPath, rawMessages]) => {
    let path = String(rawPath).split('.').filter(Boolean);
    // "data.x" → "x"; the server's "data.data" (a problem with the whole form) → root
    while (path[0] === 'data' && (!hasDataProperty || path.length === 1)) path = path.slice(1);
    if (path.length === 1 && (path[0] === '(根)' || path[0] === '__root__')) path = [];
    return [path, rawMessages];
  });
  // in the order of the form, as the browser's own errors: the list reads top to bottom
  entries.sort((a, b) => compareRanks(displayRank(schema, uiSchema, a[0]), displayRank(schema, uiSchema, b[0])));
  for (const [path, rawMessages] of entries) {
    const messages = (Array.isArray(rawMessages) ? rawMessages : [rawMessages]).filter((m) => m != null).map(String);
    if (!messages.length) continue;
    let node = root;
    for (const part of path) {
      node[part] = node[part] || {};
      node = node[part];
    }
    node.__errors = [...(node.__errors || []), ...messages];
  }
  return root;
}

/** Drop the server errors of every field whose value changed since the page was rendered. */
export function pruneChangedErrors(errorSchema, before, after) {
  const walk = (node, path) => {
    const out = {};
    let any = false;
    for (const [key, child] of Object.entries(node)) {
      if (key === '__errors') continue;
      const kept = walk(child, [...path, key]);
      if (kept) { out[key] = kept; any = true; }
    }
    if (node.__errors && node.__errors.length) {
      const changed = path.length > 0
        && JSON.stringify(valueAt(before, path)) !== JSON.stringify(valueAt(after, path));
      if (!changed) { out.__errors = node.__errors; any = true; }
    }
    return any ? out : null;
  };
  return walk(errorSchema, []) || {};
}

/** uiSchema with the submit button labelled 提交 (or hidden), keeping the page's own options. */
export function withSubmitOptions(uiSchema, { norender = false, submitText = '提交' } = {}) {
  const ui = { ...(uiSchema || {}) };
  ui['ui:submitButtonOptions'] = { submitText, ...(ui['ui:submitButtonOptions'] || {}), ...(norender ? { norender: true } : {}) };
  return ui;
}

/** Does ajv compile this schema? (else the form falls back to server-side validation only) */
export function schemaCompiles(schema) {
  try {
    const result = validator.rawValidation(schema, {});
    return !result.validationError;
  } catch (e) {
    return false;
  }
}
