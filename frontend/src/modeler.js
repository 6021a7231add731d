/*
 * modeler.js — editing a process model in the browser (bpmn-js Modeler + a plain-DOM side panel).
 *
 * Contract (Flask templates):
 *
 *   <div data-bpmn-modeler="model-editor"></div>
 *   <script type="application/json" id="model-editor">{{ config|tojson }}</script>
 *
 *   config = {
 *     "xml":         "<?xml ...>",                  the newest version's BPMN (or a new diagram)
 *     "forms":       ["declaration.schema.json", "declaration.uischema.json", ...],  files in forms/
 *     "formTitles":  {"declaration.schema.json": "困难职工家庭申报表", ...}   optional; the form select shows these
 *     "validateUrl": "/models/validate",            POST {"xml"} as JSON
 *     "deployUrl":   "/models/deploy",              POST {"xml", "comment"} as JSON
 *     "operations":  [{name, label, kind, kind_label, description, service_task, params: [{name, label, type,
 *                     type_label, required, default, choices: [{value, label}]}]}]   as GET /api/v1/operations
 *     "defaultForms": {"review": "默认审核表单（…）", "completion": "默认办理表单（…）"}  what a human task without a
 *                    form gets at deployment, named under its form select (with camunda:formKey: that form)
 *     "csrfToken":   "...",
 *     "csrfHeader":  "X-CSRFToken",                 request header that carries csrfToken
 *     "height":      "70vh"                         optional
 *   }
 *
 * Responses: 200 {"ok": true} (validate); 200/201 {"version": {"version": 7, ...}} (deploy);
 * 422 {"error": {"message": "...", "fields": {"elementId": ["problem", ...]}}} → each problem is shown
 * as a red badge on its element (hover for the text) and in the list under the diagram (click an
 * entry to select the element); other statuses show error.message or the HTTP status.
 *
 * The moddle extension spiffworkflow (http://spiffworkflow.org/bpmn/schema/1.0/core) keeps
 * <spiffworkflow:properties><spiffworkflow:property name= value=/></...> in extensionElements.
 * Side panel: for every element its id (editable, must stay unique) and name; for a user, manual or plain task a
 * <select> of the *.schema.json files, written to the property formJsonSchemaFilename; the
 * property formUiSchemaFilename follows it (X.uischema.json when that file is in "forms", or when
 * "forms" lists no *.uischema.json at all; removed otherwise); for a sequence flow its condition
 * (bpmn:conditionExpression body, empty = none). Named operations (业务操作): a user task's property
 * `operations` lists the operations it runs around its completion, `名称(参数=值, …)` separated by commas
 * (a select adds one with its required parameters); a service task picks one operation for its
 * <spiffworkflow:serviceTaskOperator id=…> and fills a <spiffworkflow:parameter> expression per parameter,
 * each labelled in Chinese. Every change goes through bpmn-js commands,
 * so Ctrl+Z / Ctrl+Y undo and redo them.
 * Toolbar: 校验, 部署新版本 (asks for a comment first), 下载 BPMN. Zoom buttons ＋ － 全图 还原 over the diagram.
 * element.bangfu = {modeler, validate(), deploy(comment), saveXML()}; element.dataset.bfReady === "1".
 */
import Modeler from 'bpmn-js/lib/Modeler';
import spiffworkflow from './lib/spiffworkflow-moddle.json';
import translateZh from './lib/bpmn-zh.js';
import { boot, el } from './lib/boot.js';
import { readableView, zoomControls } from './lib/zoom.js';

const SPIFF = 'spiffworkflow';
const FORM_PROP = 'formJsonSchemaFilename';
const OPERATIONS_PROP = 'operations';
const UI_PROP = 'formUiSchemaFilename';
const HUMAN_TYPES = ['bpmn:UserTask', 'bpmn:ManualTask', 'bpmn:Task'];  // steps a person does, each with a form
const REVIEW_WORDS = /审|review|approv/i;

const TYPE_NAMES = {
  'bpmn:UserTask': '用户任务', 'bpmn:ScriptTask': '脚本任务', 'bpmn:ServiceTask': '服务任务', 'bpmn:ManualTask': '人工任务',
  'bpmn:Task': '任务', 'bpmn:SequenceFlow': '连线', 'bpmn:ExclusiveGateway': '排他网关', 'bpmn:ParallelGateway': '并行网关',
  'bpmn:InclusiveGateway': '包容网关', 'bpmn:EventBasedGateway': '事件网关', 'bpmn:StartEvent': '开始事件', 'bpmn:EndEvent': '结束事件',
  'bpmn:IntermediateCatchEvent': '中间捕获事件', 'bpmn:IntermediateThrowEvent': '中间抛出事件', 'bpmn:BoundaryEvent': '边界事件',
  'bpmn:Lane': '泳道', 'bpmn:Participant': '池', 'bpmn:Process': '流程', 'bpmn:SubProcess': '子流程', 'bpmn:Collaboration': '协作',
  'bpmn:TextAnnotation': '注释', 'bpmn:Association': '关联', 'bpmn:DataObjectReference': '数据对象', 'bpmn:DataStoreReference': '数据存储',
};

const ID_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

function spiffProperties(bo) {
  const ext = bo.extensionElements;
  return ext && (ext.values || []).find((v) => v.$instanceOf && v.$instanceOf('spiffworkflow:Properties'));
}

export function getSpiffProperty(bo, name) {
  const props = spiffProperties(bo);
  const found = props && (props.properties || []).find((p) => p.name === name);
  return found ? found.value : undefined;
}

/** Set (value non-empty) or remove a spiffworkflow:property of an element, as undoable commands. */
function setSpiffProperty(modeler, element, name, value) {
  const modeling = modeler.get('modeling');
  const moddle = modeler.get('moddle');
  const bo = element.businessObject;
  let ext = bo.extensionElements;
  let props = spiffProperties(bo);
  const existing = props && (props.properties || []).find((p) => p.name === name);
  if (existing) {
    if (value) modeling.updateModdleProperties(element, existing, { value });
    else modeling.updateModdleProperties(element, props, { properties: props.properties.filter((p) => p !== existing) });
    return;
  }
  if (!value) return;
  const property = moddle.create(`${SPIFF}:Property`, { name, value });
  if (props) {
    property.$parent = props;
    modeling.updateModdleProperties(element, props, { properties: [...(props.properties || []), property] });
    return;
  }
  props = moddle.create(`${SPIFF}:Properties`, { properties: [property] });
  property.$parent = props;
  if (ext) {
    props.$parent = ext;
    modeling.updateModdleProperties(element, ext, { values: [...(ext.values || []), props] });
  } else {
    ext = moddle.create('bpmn:ExtensionElements', { values: [props] });
    props.$parent = ext;
    ext.$parent = bo;
    modeling.updateProperties(element, { extensionElements: ext });
  }
}

function uiFileFor(schemaFile, forms) {
  if (!schemaFile) return '';
  const candidate = schemaFile.replace(/\.schema\.json$/, '.uischema.json');
  if (candidate === schemaFile) return '';
  const listsUi = forms.some((f) => /\.uischema\.json$/.test(f));
  return !listsUi || forms.includes(candidate) ? candidate : '';
}

function serviceOperator(bo) {
  const ext = bo.extensionElements;
  return ext && (ext.values || []).find((v) => v.$instanceOf && v.$instanceOf('spiffworkflow:ServiceTaskOperator'));
}

/** Point a service task at operation `op` (null: none): its operator and one parameter per parameter of `op`. */
function setServiceOperation(modeler, element, op) {
  const modeling = modeler.get('modeling');
  const moddle = modeler.get('moddle');
  const bo = element.businessObject;
  const ext = bo.extensionElements;
  const others = ext ? (ext.values || []).filter((v) => !(v.$instanceOf && v.$instanceOf('spiffworkflow:ServiceTaskOperator'))) : [];
  if (!op) {
    if (ext) modeling.updateModdleProperties(element, ext, { values: others });
    return;
  }
  const previous = serviceOperator(bo);
  const kept = {};
  ((previous && previous.parameterList && previous.parameterList.parameters) || []).forEach((p) => { kept[p.id] = p.value; });
  const parameters = op.params.map((param) => moddle.create(`${SPIFF}:Parameter`, {
    id: param.name, type: 'str', value: kept[param.name] ?? (param.default ? quoteDefault(param) : ''),
  }));
  const list = moddle.create(`${SPIFF}:Parameters`, { parameters });
  parameters.forEach((p) => { p.$parent = list; });
  const operator = moddle.create(`${SPIFF}:ServiceTaskOperator`, { id: op.name, parameterList: list });
  list.$parent = operator;
  if (ext) {
    operator.$parent = ext;
    modeling.updateModdleProperties(element, ext, { values: [...others, operator] });
  } else {
    const created = moddle.create('bpmn:ExtensionElements', { values: [operator] });
    operator.$parent = created;
    created.$parent = bo;
    modeling.updateProperties(element, { extensionElements: created });
  }
}

/** A parameter's default as a service task expression: a field is read from the data, anything else is text. */
function quoteDefault(param) {
  return param.type === 'field' ? param.default : JSON.stringify(param.default);
}

function operationCall(op) {
  const required = op.params.filter((p) => p.required).map((p) => `${p.name}=`);
  return required.length ? `${op.name}(${required.join(', ')})` : op.name;
}

function paramLine(param) {
  const choices = param.choices.length ? `：${param.choices.map((c) => `${c.value}（${c.label}）`).join('、')}` : '';
  const fallback = param.default ? `，默认 ${param.default}` : '';
  return `${param.name}（${param.label}，${param.type_label}${param.required ? '，必填' : ''}${fallback}）${choices}`;
}

async function postJson(config, url, body) {
  const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
  if (config.csrfToken) headers[config.csrfHeader || 'X-CSRFToken'] = config.csrfToken;
  const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body), credentials: 'same-origin' });
  let payload = null;
  try { payload = await response.json(); } catch (e) { payload = null; }
  return { status: response.status, ok: response.ok, payload };
}

boot('data-bpmn-modeler', '流程建模器', async (container, config) => {
  const forms = Array.isArray(config.forms) ? config.forms.map(String) : [];
  const schemaForms = forms.filter((f) => !/\.uischema\.json$/.test(f));
  const titles = config.formTitles && typeof config.formTitles === 'object' ? config.formTitles : {};
  const operations = Array.isArray(config.operations) ? config.operations : [];
  const defaultForms = config.defaultForms || {};
  // The server's rule (forms/defaults.py): a step whose name says it reviews gets the review form.
  const defaultFormOf = (bo) => (REVIEW_WORDS.test(bo.name || '') || REVIEW_WORDS.test(bo.id || '') ? defaultForms.review : defaultForms.completion);
  const operationNamed = (name) => operations.find((op) => op.name === name);
  container.classList.add('bf-modeler');

  const status = el('span', { class: 'bf-modeler-status', role: 'status', 'aria-live': 'polite' });
  const validateButton = el('button', { type: 'button', class: 'bf-btn', 'data-action': 'validate' }, '校验');
  const deployButton = el('button', { type: 'button', class: 'bf-btn', 'data-action': 'deploy' }, '部署新版本');
  const downloadButton = el('button', { type: 'button', class: 'bf-btn secondary outline', 'data-action': 'download' }, '下载 BPMN');
  const toolbar = el('div', { class: 'bf-toolbar' }, validateButton, deployButton, downloadButton, status);

  const commentInput = el('input', { type: 'text', name: 'bf-deploy-comment', maxlength: '500', placeholder: '例如：初审增加退回原因', 'aria-label': '版本说明' });
  const deployConfirm = el('button', { type: 'button', class: 'bf-btn', 'data-action': 'deploy-confirm' }, '确认部署');
  const deployCancel = el('button', { type: 'button', class: 'bf-btn secondary outline', 'data-action': 'deploy-cancel' }, '取消');
  const deployBox = el('div', { class: 'bf-deploy-box', hidden: true },
    el('label', {}, '版本说明（部署后记录在版本列表中）', commentInput), el('div', { class: 'bf-toolbar' }, deployConfirm, deployCancel));

  const canvasBox = el('div', { class: 'bf-bpmn-canvas' });
  const panel = el('aside', { class: 'bf-panel', 'aria-label': '属性' });
  const problemsBox = el('div', { class: 'bf-problems', hidden: true });
  const main = el('div', { class: 'bf-modeler-main' }, el('div', { class: 'bf-bpmn bf-bpmn-modeler' }, canvasBox), panel);
  container.replaceChildren(toolbar, deployBox, main, problemsBox);
  if (config.height) main.style.height = config.height;

  const modeler = new Modeler({
    container: canvasBox,
    moddleExtensions: { spiffworkflow },
    additionalModules: [translateZh],
  });
  const { warnings } = await modeler.importXML(config.xml || '');
  const canvas = modeler.get('canvas');
  const registry = modeler.get('elementRegistry');
  const modeling = modeler.get('modeling');
  const moddle = modeler.get('moddle');
  const selection = modeler.get('selection');
  const overlays = modeler.get('overlays');
  const eventBus = modeler.get('eventBus');
  // the whole diagram when its labels stay readable, else 100% from its start; the left edge stays free
  // for the palette
  const show = () => readableView(canvas, registry, { left: canvas.viewbox().outer.width > 400 ? 130 : 0 });
  show();
  canvasBox.parentElement.append(zoomControls(canvas, modeler.get('zoomScroll'), show));

  let dirty = false;
  const setStatus = (text, kind = '') => { status.textContent = text; status.className = `bf-modeler-status ${kind}`; };
  if (warnings && warnings.length) setStatus(`导入时有 ${warnings.length} 条警告（不影响编辑）`, 'bf-warn');
  eventBus.on('commandStack.changed', () => { dirty = true; });

  // ---- side panel ----------------------------------------------------------------------------
  let current = null;
  let lastProblems = {}; // elementId → [problem] from the last 校验 / 部署

  const field = (label, control, hint) => el('label', { class: 'bf-field' }, label, control, hint ? el('small', {}, hint) : null);

  function renderPanel() {
    const element = current && registry.get(current.id) ? current : null;
    if (!element) {
      panel.replaceChildren(el('h4', {}, '属性'), el('p', { class: 'bf-muted' }, '点选一个用户任务或连线，在这里编辑它的表单或条件。'),
        el('p', { class: 'bf-muted' }, '左侧工具栏可添加任务、网关、连线和泳道；Ctrl+Z 撤销。'));
      return;
    }
    const bo = element.businessObject;
    const type = bo.$type;
    const rows = [el('h4', {}, TYPE_NAMES[type] || type.replace(/^bpmn:/, ''))];

    const idInput = el('input', { type: 'text', name: 'bf-id', value: bo.id || '', spellcheck: 'false', autocomplete: 'off' });
    const idHint = el('small', {}, type === 'bpmn:UserTask' ? '任务 ID 也是表单数据的键，条件中写作 任务ID["字段"]' : '');
    idInput.addEventListener('change', () => {
      const id = idInput.value.trim();
      if (id === bo.id) return;
      if (!ID_PATTERN.test(id)) { idHint.textContent = 'ID 只能由字母、数字、下划线、点和连字符组成，且不能以数字开头'; idHint.className = 'bf-error'; return; }
      if (registry.get(id)) { idHint.textContent = `ID “${id}” 已被其他元素使用`; idHint.className = 'bf-error'; return; }
      modeling.updateProperties(element, { id });
      current = registry.get(id) || element;
      renderPanel();
    });
    rows.push(el('label', { class: 'bf-field' }, 'ID', idInput, idHint));

    if (type !== 'bpmn:Process' && type !== 'bpmn:Collaboration') {
      const nameInput = el('input', { type: 'text', name: 'bf-name', value: bo.name || '', autocomplete: 'off' });
      nameInput.addEventListener('change', () => modeling.updateLabel(element, nameInput.value.trim() || null));
      rows.push(field('名称', nameInput));
    }

    if (HUMAN_TYPES.includes(type)) {
      const value = getSpiffProperty(bo, FORM_PROP) || '';
      const select = el('select', { name: 'bf-form' });
      select.append(el('option', { value: '' }, '（未选择表单）'));
      const options = value && !schemaForms.includes(value) ? [...schemaForms, value] : schemaForms;
      options.forEach((f) => {
        const label = schemaForms.includes(f) ? String(titles[f] || f) : `${f}（不在表单目录中）`;
        const option = el('option', { value: f, title: f }, label);
        if (f === value) option.selected = true;
        select.append(option);
      });
      select.addEventListener('change', () => {
        const file = select.value;
        setSpiffProperty(modeler, element, FORM_PROP, file);
        setSpiffProperty(modeler, element, UI_PROP, uiFileFor(file, forms));
        renderPanel();
      });
      const ui = getSpiffProperty(bo, UI_PROP);
      const formKey = bo.$attrs && bo.$attrs['camunda:formKey'];
      let hint = ui ? `界面配置：${ui}` : '';
      if (!value && formKey) hint = `未选择表单：部署时使用表单键 ${formKey} 所指的表单`;
      else if (!value && defaultFormOf(bo)) hint = `未选择表单：部署时使用${defaultFormOf(bo)}`;
      rows.push(field('表单（JSON Schema 文件）', select, hint));
    }

    if (type === 'bpmn:UserTask' && operations.length) {
      const textarea = el('textarea', { name: 'bf-operations', rows: '3', spellcheck: 'false', placeholder: 'bangfu.check_declaration, bangfu.assess_household' });
      textarea.value = getSpiffProperty(bo, OPERATIONS_PROP) || '';
      textarea.addEventListener('change', () => { setSpiffProperty(modeler, element, OPERATIONS_PROP, textarea.value.trim()); renderPanel(); });
      const add = el('select', { name: 'bf-operation-add' });
      add.append(el('option', { value: '' }, '（添加业务操作）'));
      operations.forEach((op) => add.append(el('option', { value: op.name, title: op.description }, `${op.label}〔${op.kind_label}〕 ${op.name}`)));
      add.addEventListener('change', () => {
        const op = operationNamed(add.value);
        if (!op) return;
        const text = textarea.value.trim();
        setSpiffProperty(modeler, element, OPERATIONS_PROP, text ? `${text}, ${operationCall(op)}` : operationCall(op));
        renderPanel();
      });
      const named = (textarea.value.match(/[\w.]+(?=\s*(\(|,|$))/g) || []).map(operationNamed).filter(Boolean);
      rows.push(field('业务操作（办理时运行）', textarea,
        '按顺序运行：校验在提交前（问题显示在表单字段上），推导数据在办理前，登记业务数据在办理后。参数写作 名称(参数=字段)，字段可写 任务ID.字段'));
      rows.push(add);
      named.forEach((op) => rows.push(el('div', { class: 'bf-muted' }, el('strong', {}, `${op.label}：`), op.description,
        op.params.length ? el('ul', {}, op.params.map((p) => el('li', {}, paramLine(p)))) : null)));
    }

    if (type === 'bpmn:ServiceTask') {
      const operator = serviceOperator(bo);
      const chosen = operator ? operator.id : '';
      const select = el('select', { name: 'bf-service-operation' });
      select.append(el('option', { value: '' }, '（未选择业务操作）'));
      const callable = operations.filter((op) => op.service_task);
      if (chosen && !callable.some((op) => op.name === chosen)) callable.push({ name: chosen, label: `${chosen}（未知）`, kind_label: '', params: [] });
      callable.forEach((op) => {
        const option = el('option', { value: op.name, title: op.description || '' }, `${op.label} ${op.name}`);
        if (op.name === chosen) option.selected = true;
        select.append(option);
      });
      select.addEventListener('change', () => { setServiceOperation(modeler, element, operationNamed(select.value) || null); renderPanel(); });
      const op = operationNamed(chosen);
      rows.push(field('业务操作（服务任务）', select, op ? `${op.kind_label}：${op.description}` : '服务任务调用一个业务操作，在办理的同一事务中运行'));
      const given = (operator && operator.parameterList && operator.parameterList.parameters) || [];
      (op ? op.params : []).forEach((param) => {
        const current = given.find((p) => p.id === param.name);
        const input = el('input', { type: 'text', name: `bf-param-${param.name}`, value: (current && current.value) || '', spellcheck: 'false', autocomplete: 'off',
          placeholder: param.type === 'field' ? 'open_file["file_number"]' : '"文本"' });
        input.addEventListener('change', () => {
          const value = input.value.trim();
          if (current) modeling.updateModdleProperties(element, current, { value });
          else if (operator && operator.parameterList) {
            const created = moddle.create(`${SPIFF}:Parameter`, { id: param.name, type: 'str', value });
            created.$parent = operator.parameterList;
            modeling.updateModdleProperties(element, operator.parameterList, { parameters: [...given, created] });
          }
          renderPanel();
        });
        rows.push(field(`${param.label}（${param.name}${param.required ? '，必填' : ''}）`, input, `${param.type_label}：表达式，如 任务ID["字段"] 或 "文本"`));
      });
    }

    if (type === 'bpmn:SequenceFlow') {
      const expression = bo.conditionExpression;
      const textarea = el('textarea', { name: 'bf-condition', rows: '3', spellcheck: 'false', placeholder: 'preliminary_review["decision"] == "approve"' });
      textarea.value = (expression && expression.body) || '';
      textarea.addEventListener('change', () => {
        const body = textarea.value.trim();
        const condition = body ? moddle.create('bpmn:FormalExpression', { body }) : undefined;
        modeling.updateProperties(element, { conditionExpression: condition });
      });
      const source = bo.sourceRef && bo.sourceRef.$type;
      const fromGateway = /Gateway$/.test(source || '');
      const isDefault = bo.sourceRef && bo.sourceRef.default === bo;
      rows.push(field('条件表达式', textarea,
        isDefault ? '这是网关的默认路径，一般不写条件。'
          : fromGateway ? '用前面任务提交的数据判断，例如 re_review["decision"] == "approve"；留空表示无条件。'
            : '条件只对从网关出发的连线有意义。'));
    }

    const problems = lastProblems[bo.id];
    if (problems && problems.length) {
      rows.push(el('div', { class: 'bf-error' }, el('strong', {}, '校验问题：'), el('ul', {}, problems.map((p) => el('li', {}, p)))));
    }
    panel.replaceChildren(...rows);
  }

  eventBus.on('selection.changed', ({ newSelection }) => {
    current = newSelection && newSelection.length === 1 ? newSelection[0] : null;
    renderPanel();
  });
  eventBus.on('elements.changed', () => {
    if (!panel.contains(document.activeElement)) renderPanel();
  });

  // ---- server validation and deployment ------------------------------------------------------

  function clearProblems() {
    overlays.remove({ type: 'bf-problem' });
    Object.keys(lastProblems).forEach((id) => { if (registry.get(id)) canvas.removeMarker(id, 'bf-has-problem'); });
    lastProblems = {};
    problemsBox.hidden = true;
    problemsBox.replaceChildren();
  }

  function showProblems(message, fields) {
    clearProblems();
    lastProblems = fields && typeof fields === 'object' ? fields : {};
    const items = [];
    Object.entries(lastProblems).forEach(([id, problems]) => {
      const list = (Array.isArray(problems) ? problems : [problems]).map(String);
      lastProblems[id] = list;
      const element = registry.get(id);
      const label = element ? `${element.businessObject.name || ''}（${id}）` : id;
      if (element) {
        canvas.addMarker(id, 'bf-has-problem');
        overlays.add(id, 'bf-problem', {
          position: { top: -12, left: -8 },
          scale: false, // stay readable when the diagram is zoomed out
          html: el('div', { class: 'bf-problem-badge', title: list.join('\n') }, `! ${list.length}`),
        });
      }
      list.forEach((problem) => {
        const item = el('li', {}, el('strong', {}, label), '：', problem);
        if (element) {
          item.classList.add('bf-clickable');
          item.addEventListener('click', () => { selection.select(element); canvas.scrollToElement(element); });
        }
        items.push(item);
      });
    });
    problemsBox.replaceChildren(el('strong', {}, message || '模型有问题'), items.length ? el('ul', {}, items) : null);
    problemsBox.hidden = false;
    renderPanel();
  }

  async function saveXML() {
    const { xml } = await modeler.saveXML({ format: true });
    return xml;
  }

  function handleFailure(result, what) {
    const error = (result.payload && result.payload.error) || {};
    if (result.status === 422 && error.fields) {
      showProblems(error.message || `${what}未通过：模型有问题`, error.fields);
      setStatus(`${what}未通过，共 ${Object.values(error.fields).flat().length} 个问题`, 'bf-error');
    } else {
      clearProblems();
      setStatus(`${what}失败：${error.message || `服务器返回 ${result.status}`}`, 'bf-error');
    }
  }

  async function busy(fn) {
    [validateButton, deployButton, deployConfirm].forEach((b) => { b.disabled = true; b.setAttribute('aria-busy', 'true'); });
    try {
      return await fn();
    } catch (e) {
      setStatus(`无法连接服务器：${e.message}`, 'bf-error');
      return null;
    } finally {
      [validateButton, deployButton, deployConfirm].forEach((b) => { b.disabled = false; b.removeAttribute('aria-busy'); });
    }
  }

  async function validate() {
    return busy(async () => {
      setStatus('正在校验…');
      const result = await postJson(config, config.validateUrl, { xml: await saveXML() });
      if (result.ok) {
        clearProblems();
        renderPanel();
        setStatus('校验通过，可以部署', 'bf-ok');
      } else {
        handleFailure(result, '校验');
      }
      return result;
    });
  }

  async function deploy(comment) {
    return busy(async () => {
      setStatus('正在部署…');
      const result = await postJson(config, config.deployUrl, { xml: await saveXML(), comment: comment || null });
      if (result.ok) {
        clearProblems();
        renderPanel();
        dirty = false;
        const version = result.payload && result.payload.version && result.payload.version.version;
        const created = !(result.payload && result.payload.created === false);
        const defaults = (result.payload && result.payload.defaults) || [];
        const defaultsText = defaults.length ? ` 未指定表单的步骤使用默认表单：${defaults.join('；')}。` : '';
        setStatus((created ? `已部署为第 ${version ?? '?'} 版。新发起的案件将使用此版本，进行中的案件仍按原版本办理。`
          : `与第 ${version ?? '?'} 版相同，未产生新版本。`) + defaultsText, 'bf-ok');
        deployBox.hidden = true;
        commentInput.value = '';
        const base = document.querySelector('[data-model-version]');
        if (base && version) base.textContent = String(version);  // edits now build on the version just deployed
      } else {
        handleFailure(result, '部署');
      }
      return result;
    });
  }

  validateButton.addEventListener('click', () => validate());
  deployButton.addEventListener('click', () => {
    deployBox.hidden = false;
    commentInput.focus();
  });
  deployCancel.addEventListener('click', () => { deployBox.hidden = true; });
  deployConfirm.addEventListener('click', () => deploy(commentInput.value.trim()));
  commentInput.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') { e.preventDefault(); deploy(commentInput.value.trim()); }
  });
  downloadButton.addEventListener('click', async () => {
    const xml = await saveXML();
    const definitions = modeler.getDefinitions();
    const process = (definitions.rootElements || []).find((e) => e.$type === 'bpmn:Process') || definitions;
    const link = el('a', { href: URL.createObjectURL(new Blob([xml], { type: 'application/xml' })), download: `${process.id || 'process'}.bpmn` });
    document.body.append(link);
    link.click();
    setTimeout(() => { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
  });
  window.addEventListener('beforeunload', (e) => {
    if (dirty) { e.preventDefault(); e.returnValue = ''; }
  });

  renderPanel();
  return { modeler, validate, deploy, saveXML };
});
