// Self-check of the browser bundles: builds them, serves frontend/test/harness.html and
// service/web/static/dist/ from a tiny HTTP server on 127.0.0.1, and drives Debian's Chromium with
// playwright-core through every widget. Screenshots go to /tmp/bangfu-frontend-*.png.
//
//   node frontend/test/check.mjs             build, check, print "N passed, N failed"
//   node frontend/test/check.mjs --no-build  check the bundles already in dist/
//   node frontend/test/check.mjs --serve     build and keep serving the harness (prints its URL)
//
// Environment: CHROMIUM (default /usr/bin/chromium), SHOTS (default /tmp).
import http from 'node:http';
import { spawnSync } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const dist = path.join(root, 'service', 'web', 'static', 'dist');
const shots = process.env.SHOTS || '/tmp';
const args = new Set(process.argv.slice(2));

if (!args.has('--no-build')) {
  const built = spawnSync(process.execPath, [path.join(root, 'frontend', 'build.mjs')], { stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status || 1);
}

// ---- test data from the repository --------------------------------------------------------------
const readJson = async (rel) => JSON.parse(await readFile(path.join(root, rel), 'utf8'));
const bpmnXml = await readFile(path.join(root, 'bpmn', 'hardship_assistance.bpmn'), 'utf8');
const formFiles = (await readdir(path.join(root, 'forms'))).filter((f) => f.endsWith('.json')).sort();

const declarationData = {
  name: '张建国', id_number: '320582199202091201', phone: '13631969374', employer: '江苏沙钢集团',
  hardship_reasons: ['major_illness'], hardship_description: '配偶患重大疾病长期治疗，家庭收入微薄。',
  household_size: 3,
  family_members: [
    { name: '张建国', relation: 'self', id_number: '320582199202091201', health: 'healthy', employment: 'employed', monthly_income: 2000 },
    { name: '李秀英', relation: 'spouse', id_number: '320582198507262142', health: 'major_illness', employment: 'unable', monthly_income: 0 },
    { name: '张晓东', relation: 'child', id_number: '320582201008019142', health: 'healthy', employment: 'student', monthly_income: 0 },
  ],
  monthly_household_income: 2000, unavoidable_expenses: 6000,
  assets: { homes: 1, vehicles: 0, vehicle_for_work: false, business: false, financial_assets: 5000 },
  bank_name: '中国农业银行张家港支行', bank_account_name: '张建国',
  bank_card_number: '6228486690743915003', economic_check_authorised: true,
};
const visitData = {
  visit_date: '2026-12-01', visitors: ['周敏', '钱进'], household_present: true, findings: '入户核实，情况属实',
  verified_monthly_household_income: 2000, applicant_signed: true, investigators_signed: true,
};
const completed = ['start', 'flow_start_merge', 'gw_merge_declaration', 'flow_merge_declaration', 'declaration',
  'flow_declaration_preliminary', 'preliminary_review', 'flow_preliminary_gw', 'gw_preliminary_review',
  'flow_preliminary_approve', 'gw_merge_assign', 'flow_merge_assign', 'assign_third_party', 'flow_assign_split',
  'gw_split_visit', 'flow_split_visit', 'flow_split_oversight', 'household_visit', 'visit_oversight', 'flow_oversight_gw',
  'gw_visit_oversight', 'flow_oversight_ok', 'gw_merge_oversight', 'flow_oversight_join', 'flow_visit_join',
  'gw_join_visit', 'flow_join_re_review'];

const configs = {
  declaration: {
    schema: await readJson('forms/declaration.schema.json'),
    uiSchema: await readJson('forms/declaration.uischema.json'),
    formData: declarationData,
    errors: { 'data.family_members.0.id_number': ['身份证号中的地区码无效'], data: ['请核对家庭成员信息后重新提交'] },
    readonly: false,
    inputName: 'data',
  },
  visit: {
    schema: await readJson('forms/household_visit.schema.json'),
    uiSchema: await readJson('forms/household_visit.uischema.json'),
    formData: {}, errors: {}, readonly: false, inputName: 'data',
  },
  visit_refused: {
    schema: await readJson('forms/household_visit.schema.json'),
    uiSchema: await readJson('forms/household_visit.uischema.json'),
    formData: visitData,
    errors: { 'data.visit_date': ['走访日期不能晚于今天'], 'data.findings': ['请写明走访情况'] },
    readonly: false, inputName: 'data',
  },
  review: {
    schema: await readJson('forms/preliminary_review.schema.json'),
    uiSchema: await readJson('forms/preliminary_review.uischema.json'),
    formData: {}, errors: {}, readonly: false, inputName: 'data',
  },
  visit_readonly: {
    schema: await readJson('forms/household_visit.schema.json'),
    uiSchema: await readJson('forms/household_visit.uischema.json'),
    formData: visitData, readonly: true, inputName: 'data',
  },
  viewer: { xml: bpmnXml, completed, current: ['re_review'] },
  modeler: {
    xml: bpmnXml, forms: [...formFiles, 'missing.schema.json'],
    validateUrl: '/api/validate', deployUrl: '/api/deploy', csrfToken: 'test-token', csrfHeader: 'X-CSRFToken',
  },
  chart_stage: {
    type: 'bar', title: '在办案件（按环节）',
    labels: ['申报', '初审', '委派第三方', '入户走访', '复审', '公示', '建档', '审批', '发放'],
    datasets: [{ label: '案件数', data: [12, 30, 8, 1234, 15, 7, 4, 9, 3] }],
  },
  chart_category: {
    type: 'doughnut', title: '在办案件（按困难类别）',
    labels: ['深度困难', '相对困难', '意外致困', '未定'], datasets: [{ label: '户数', data: [42, 77, 13, 20] }],
  },
  chart_register: {
    type: 'line', title: '在册困难职工家庭', labels: ['2026-07', '2026-08', '2026-09', '2026-10', '2026-11', '2026-12'],
    datasets: [{ label: '在册户数', data: [1180, 1202, 1251, 1263, 1290, 1312] }, { label: '当月新增', data: [35, 41, 60, 28, 44, 39] }],
  },
  chart_days: {
    type: 'bar', horizontal: true, format: 'days', title: '各环节平均用时',
    labels: ['初审', '入户走访', '复审', '公示', '审批', '发放'],
    datasets: [{ label: '平均天数', data: [2.5, 6.25, 3, 7, 1.5, 4] }],
  },
  editor: {
    schema: await readJson('forms/payment.schema.json'),
    uiSchema: await readJson('forms/payment.uischema.json'),
    inputName: 'schema', uiInputName: 'ui_schema',
  },
};

// ---- the tiny server ----------------------------------------------------------------------------
const scriptJson = (value) => JSON.stringify(value)
  .replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026')
  .replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
const TYPES = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.woff2': 'font/woff2',
  '.woff': 'font/woff', '.ttf': 'font/ttf', '.eot': 'application/vnd.ms-fontobject', '.svg': 'image/svg+xml' };
const requests = [];
const external = [];

async function body(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res, status, type, text) {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
  res.end(text);
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  try {
    if (req.method === 'GET' && (url.pathname === '/' || url.pathname === '/harness.html')) {
      let html = await readFile(path.join(here, 'harness.html'), 'utf8');
      const only = url.searchParams.get('only');
      html = html.replace(/<!-- section:(\w+) -->([\s\S]*?)<!-- \/section -->/g, (all, name, inner) => (!only || only.split(',').includes(name) ? inner : ''));
      html = html.replace(/__JSON:(\w+)__/g, (all, name) => (name in configs ? scriptJson(configs[name]) : all));
      const { files } = JSON.parse(await readFile(path.join(dist, 'manifest.json'), 'utf8'));
      html = html.replace(/__ASSET:([\w.-]+)__/g, (all, name) => files[name] || all);
      return send(res, 200, 'text/html; charset=utf-8', html);
    }
    if (req.method === 'GET' && url.pathname.startsWith('/dist/')) {
      const file = path.join(dist, path.normalize(decodeURIComponent(url.pathname.slice(6))).replace(/^(\.\.[/\\])+/, ''));
      if (!file.startsWith(dist)) return send(res, 403, 'text/plain', 'forbidden');
      return send(res, 200, TYPES[path.extname(file)] || 'application/octet-stream', await readFile(file));
    }
    if (req.method === 'POST' && url.pathname === '/echo') {
      const fields = Object.fromEntries(new URLSearchParams(await body(req)));
      requests.push({ path: '/echo', fields });
      const pre = JSON.stringify(fields, null, 2).replace(/</g, '&lt;');
      return send(res, 200, 'text/html; charset=utf-8', `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><pre id="echo">${pre}</pre>`);
    }
    if (req.method === 'POST' && url.pathname.startsWith('/api/')) {
      const payload = JSON.parse(await body(req));
      requests.push({ path: url.pathname, csrf: req.headers['x-csrftoken'], payload });
      const json = (status, value) => send(res, status, 'application/json', JSON.stringify(value));
      if (req.headers['x-csrftoken'] !== 'test-token') return json(400, { error: { code: 'csrf', message: 'CSRF 令牌无效' } });
      if (String(payload.xml).includes('value="missing.schema.json"')) {
        return json(422, { error: { code: 'validation_failed', message: '流程模型无效，未部署',
          fields: { declaration: ['表单文件 missing.schema.json 不存在'], hardship_assistance: ['示例：流程级的问题'] } } });
      }
      if (url.pathname === '/api/validate') return json(200, { ok: true });
      if (url.pathname === '/api/deploy') return json(201, { created: true, key: 'hardship_assistance', version: { version: 8, comment: payload.comment } });
    }
    return send(res, 404, 'text/plain', 'not found');
  } catch (error) {
    return send(res, 500, 'text/plain', String(error && error.stack));
  }
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${server.address().port}`;

if (args.has('--serve')) {
  console.log(`harness: ${base}/harness.html   (one widget: ?only=form|visit|readonly|viewer|modeler|charts|editor; Ctrl+C to stop)`);
  await new Promise(() => {});
}

// ---- the checks ---------------------------------------------------------------------------------
const { chromium } = await import('playwright-core');
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

let passed = 0;
let failed = 0;
async function check(name, viewport, fn) {
  const context = await browser.newContext({ viewport, locale: 'zh-CN', acceptDownloads: true });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/^Form validation failed|status of 422/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.on('dialog', (d) => d.accept());
  page.on('request', (r) => { if (!r.url().startsWith(base) && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) external.push(r.url()); });
  try {
    await fn(page);
    assert.deepEqual(problems, [], 'no errors in the browser console');
    passed += 1;
    console.log(`ok   ${name}`);
  } catch (error) {
    failed += 1;
    console.log(`FAIL ${name}\n     ${String(error && error.message).split('\n').join('\n     ')}`);
    if (problems.length) console.log(`     browser: ${problems.join(' | ')}`);
    await page.screenshot({ path: path.join(shots, `bangfu-frontend-FAILED-${name.replace(/\W+/g, '-')}.png`), fullPage: true }).catch(() => {});
  } finally {
    await context.close();
  }
}
const ready = (page, selector) => page.waitForSelector(`${selector}[data-bf-ready="1"]`, { timeout: 15000 });
const shot = (page, name, options = {}) => page.screenshot({ path: path.join(shots, `bangfu-frontend-${name}.png`), ...options });
const desktop = { width: 1280, height: 900 };
const phone = { width: 375, height: 812 };

await check('form: renders in Chinese with server errors beside their fields, validates, posts JSON', desktop, async (page) => {
  await page.goto(`${base}/harness.html?only=form`);
  await ready(page, '[data-jsonschema-form]');
  await page.getByText('困难职工家庭申报表').first().waitFor();
  assert.match(await page.locator('label[for="declaration-form_id_number"]').textContent(), /^身份证号码/, 'field title 身份证号码 shown');
  assert.equal(await page.locator('#task-form > button[type=submit]').isVisible(), false, 'page submit button hidden');
  assert.equal((await page.locator('.bf-submit-button').textContent()).trim(), '提交');
  // options show their Chinese titles, not the codes
  assert.equal(await page.locator('#declaration-form_family_members_0_relation option:checked').textContent(), '本人');
  assert.ok(await page.getByRole('button', { name: /添加/ }).first().isVisible(), '添加 button');
  assert.ok(await page.getByRole('button', { name: '删除' }).first().isVisible(), '删除 button');
  // server errors: beside family_members.0.id_number, and the form-level one in the list on top
  const idError = page.locator('#declaration-form_family_members_0_id_number__error');
  assert.match(await idError.textContent(), /身份证号中的地区码无效/);
  assert.match(await page.locator('.bf-error-list').textContent(), /请核对家庭成员信息后重新提交/);
  assert.match(await page.locator('.bf-error-list').textContent(), /家庭成员 · 第 1 项 · 身份证号码：身份证号中的地区码无效/);
  await shot(page, 'form', { fullPage: true });
  await shot(page, 'form-top');
  await page.locator('#declaration-form_family_members_0_id_number').scrollIntoViewIfNeeded();
  await shot(page, 'form-server-error');

  // client validation: bad card and ID check digits are refused in Chinese, nothing is posted
  await page.fill('#declaration-form_bank_card_number', '6228486690743915004');
  await page.fill('#declaration-form_family_members_1_id_number', '320582198507262143');
  await page.fill('#declaration-form_phone', '');
  await page.click('.bf-submit-button');
  await page.locator('#declaration-form_bank_card_number__error').waitFor();
  assert.match(await page.locator('#declaration-form_bank_card_number__error').textContent(), /银行卡号校验位错误，请核对/);
  assert.match(await page.locator('#declaration-form_family_members_1_id_number__error').textContent(), /身份证号校验位错误/);
  assert.match(await page.locator('#declaration-form_phone__error').textContent(), /必填/);
  assert.match(await idError.textContent(), /身份证号中的地区码无效/, 'unchanged field keeps its server error');
  assert.ok(page.url().includes('harness.html'), 'not submitted');
  await page.locator('#declaration-form_bank_card_number').scrollIntoViewIfNeeded();
  await shot(page, 'form-client-errors');

  // a changed field loses its server error; a valid form posts JSON + CSRF field + submitter
  await page.fill('#declaration-form_family_members_0_id_number', '320582199202091201 ');
  await page.fill('#declaration-form_family_members_0_id_number', '320582199202091201');
  await page.fill('#declaration-form_bank_card_number', '6228486690743915003');
  await page.fill('#declaration-form_family_members_1_id_number', '320582198507262142');
  await page.fill('#declaration-form_phone', '13631969374');
  await Promise.all([page.waitForURL(/\/echo$/), page.click('.bf-submit-button')]);
  const echoed = JSON.parse(await page.locator('#echo').textContent());
  assert.equal(echoed.csrf_token, 'test-csrf-token');
  assert.equal(echoed.action, 'complete', 'the hidden submit button is the submitter');
  assert.deepEqual(JSON.parse(echoed.data), declarationData);
});

await check('form: household visit on a 375 px phone', phone, async (page) => {
  await page.goto(`${base}/harness.html?only=visit`);
  await ready(page, '[data-jsonschema-form]');
  await page.getByText('入户走访记录').first().waitFor();
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 376, `no horizontal scrolling (page is ${width}px wide)`);
  assert.equal(await page.locator('#visit-form_applicant_signed').isChecked(), false, 'const:true checkbox starts unticked');
  await page.click('.bf-submit-button');
  await page.locator('.bf-error-list').waitFor();
  assert.match(await page.locator('#visit-form_visit_date__error').textContent(), /必填/);
  assert.match(await page.locator('#visit-form_visitors_0__error').textContent(), /必填/);
  assert.match(await page.locator('#visit-form_applicant_signed__error').textContent(), /须勾选确认|必填/);
  await page.check('#visit-form_applicant_signed');
  await page.uncheck('#visit-form_applicant_signed');
  await page.click('.bf-submit-button');
  await page.locator('#visit-form_applicant_signed__error').getByText('须勾选确认').waitFor();
  await shot(page, 'visit-phone', { fullPage: true });
  await page.goto(`${base}/harness.html?only=form`);
  await ready(page, '[data-jsonschema-form]');
  const width2 = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width2 <= 376, `declaration: no horizontal scrolling (page is ${width2}px wide)`);
  await shot(page, 'form-phone', { fullPage: true });
  await page.locator('#declaration-form_family_members_0_relation').scrollIntoViewIfNeeded();
  await shot(page, 'form-phone-members');
});

await check('form: the error list names each field once, even when the message names it itself', phone, async (page) => {
  await page.goto(`${base}/harness.html?only=visit_refused`);
  await ready(page, '[data-jsonschema-form]');
  const list = page.locator('.bf-error-list');
  await list.waitFor();
  const items = await list.locator('li').allTextContents();
  assert.ok(items.includes('走访日期不能晚于今天'), `the date's refusal as the service said it: ${items}`);
  assert.ok(items.includes('走访情况：请写明走访情况'), `a message that does not name its field gets its label: ${items}`);
  assert.ok(!items.some((item) => item.includes('走访日期：走访日期')), `no field named twice: ${items}`);
  await shot(page, 'visit-refused-phone', { fullPage: true });
});

await check('form: 审核意见 is marked required only once a decision that needs it is picked', desktop, async (page) => {
  // the schema requires the opinion unless the decision is 通过 (if/then/else): rjsf applied the else branch
  // while no decision was picked, so the opinion wore the red star from the start
  await page.goto(`${base}/harness.html?only=review`);
  await ready(page, '[data-jsonschema-form]');
  const star = page.locator('label[for="review-form_opinion"] .required');
  await page.locator('label[for="review-form_opinion"]').waitFor();
  assert.equal(await star.count(), 0, 'no star before a decision');
  await page.getByLabel('退回补正').check();
  await star.waitFor();
  assert.equal(await star.count(), 1, 'starred once 退回补正 is picked');
  await page.click('.bf-submit-button');
  assert.match(await page.locator('#review-form_opinion__error').textContent(), /必填/);
  await shot(page, 'review-return');
  await page.getByLabel('通过', { exact: true }).check();
  await page.waitForFunction(() => !document.querySelector('label[for="review-form_opinion"] .required'));
  await page.getByLabel('不予通过').check();
  await star.waitFor();
  await page.getByLabel('通过', { exact: true }).check();
  await Promise.all([page.waitForURL(/\/echo$/), page.click('.bf-submit-button')]);
  const echoed = JSON.parse(await page.locator('#echo').textContent());
  assert.deepEqual(JSON.parse(echoed.data), { decision: 'approve' });
});

await check('form: read-only renders disabled without a button', desktop, async (page) => {
  await page.goto(`${base}/harness.html?only=readonly`);
  await ready(page, '[data-jsonschema-form]');
  await page.getByText('入户走访记录').first().waitFor();
  assert.equal(await page.locator('.bf-submit-button').count(), 0);
  assert.equal(await page.locator('input[id$="_findings"], textarea[id$="_findings"]').first().isDisabled(), true);
  assert.equal(await page.locator('input[id$="_findings"], textarea[id$="_findings"]').first().inputValue(), '入户核实，情况属实');
  assert.equal(await page.getByRole('button', { name: '删除' }).count(), 0);
  await shot(page, 'readonly', { fullPage: true });
});

await check('viewer: diagram with completed and current steps marked', desktop, async (page) => {
  await page.goto(`${base}/harness.html?only=viewer`);
  await ready(page, '[data-bpmn-viewer]');
  const done = await page.locator('.djs-element.bf-completed').count();
  assert.ok(done >= 20, `${done} completed elements marked`);
  assert.equal(await page.locator('.djs-element.bf-current').getAttribute('data-element-id'), 're_review');
  const fill = await page.locator('.djs-element.bf-completed[data-element-id="declaration"] .djs-visual > rect').first()
    .evaluate((r) => getComputedStyle(r).fill);
  assert.equal(fill, 'rgb(211, 249, 216)', 'completed task filled green');
  assert.match(await page.locator('.bf-legend').textContent(), /已完成.*当前步骤/);
  const scale = () => page.evaluate(() => document.querySelector('[data-bpmn-viewer]').bangfu.viewer.get('canvas').zoom());
  const opened = await scale();
  assert.ok(opened >= 0.7, `opens readable, at ${opened}`);
  assert.ok(await page.locator('.djs-element.bf-current').isVisible(), 'the current step is in view');
  await page.getByRole('button', { name: '放大' }).click();
  assert.ok(await scale() > opened, 'zoomed in');
  await page.getByRole('button', { name: '显示整个流程图' }).click();
  const fitted = await scale();
  assert.ok(fitted < opened, `whole diagram at ${fitted}`);
  await page.getByRole('button', { name: '缩小' }).click();
  assert.ok(await scale() < fitted, 'zoomed out');
  await page.getByRole('button', { name: '恢复默认大小' }).click();
  assert.equal(await scale(), opened);
});

await check('modeler: form property, condition, validate with overlays, deploy', desktop, async (page) => {
  await page.goto(`${base}/harness.html?only=modeler`);
  await ready(page, '[data-bpmn-modeler]');
  assert.ok(await page.locator('.djs-palette').isVisible(), 'palette shown');
  const xml = () => page.evaluate(() => document.querySelector('[data-bpmn-modeler]').bangfu.saveXML());
  const select = (id) => page.evaluate((elementId) => {
    const { modeler } = document.querySelector('[data-bpmn-modeler]').bangfu;
    modeler.get('selection').select(modeler.get('elementRegistry').get(elementId));
  }, id);

  const scale = () => page.evaluate(() => document.querySelector('[data-bpmn-modeler]').bangfu.modeler.get('canvas').zoom());
  assert.ok(await scale() >= 0.7, 'opens at a readable scale');
  await page.getByRole('button', { name: '显示整个流程图' }).click(); // the whole model, to find re_review in it
  await page.locator('.djs-element[data-element-id="re_review"]').click(); // a real click on the canvas
  await page.locator('.bf-panel select[name="bf-form"]').waitFor();
  assert.equal(await page.locator('.bf-panel select[name="bf-form"]').inputValue(), 're_review.schema.json');
  await select('declaration');
  await page.locator('.bf-panel input[name="bf-id"][value="declaration"]').waitFor();
  assert.equal(await page.locator('.bf-panel select[name="bf-form"]').inputValue(), 'declaration.schema.json');
  assert.match(await page.locator('.bf-panel h4').textContent(), /用户任务/);
  await page.selectOption('.bf-panel select[name="bf-form"]', 'approval.schema.json');
  let text = await xml();
  assert.match(text, /id="declaration"[\s\S]*?name="formJsonSchemaFilename" value="approval.schema.json"[\s\S]*?name="formUiSchemaFilename" value="approval.uischema.json"/);
  await page.getByRole('button', { name: '校验' }).click();
  await page.getByText('校验通过').waitFor();
  let sent = requests.at(-1);
  assert.equal(sent.path, '/api/validate');
  assert.equal(sent.csrf, 'test-token');

  await page.selectOption('.bf-panel select[name="bf-form"]', 'missing.schema.json');
  text = await xml();
  assert.doesNotMatch(text.slice(text.indexOf('id="declaration"'), text.indexOf('id="preliminary_review"')), /formUiSchemaFilename/);
  await page.getByRole('button', { name: '校验' }).click();
  await page.locator('.bf-problem-badge').first().waitFor();
  assert.match(await page.locator('.bf-problems').textContent(), /申报（declaration）：表单文件 missing.schema.json 不存在/);
  assert.match(await page.locator('.bf-problems').textContent(), /示例：流程级的问题/);
  assert.match(await page.locator('.bf-modeler-status').textContent(), /校验未通过/);
  await page.locator('[data-bpmn-modeler]').screenshot({ path: path.join(shots, 'bangfu-frontend-modeler-problems.png') });

  // sequence flow condition
  await select('flow_preliminary_reject');
  const condition = page.locator('.bf-panel textarea[name="bf-condition"]');
  await condition.waitFor();
  assert.equal(await condition.inputValue(), 'preliminary_review["decision"] == "reject"');
  await condition.fill('preliminary_review["decision"] in ("reject", "refuse")');
  await condition.press('Tab');
  text = await xml();
  assert.match(text, /preliminary_review\["decision"\] in \("reject", "refuse"\)|preliminary_review\[&#34;decision&#34;\] in/);
  await page.locator('[data-bpmn-modeler]').screenshot({ path: path.join(shots, 'bangfu-frontend-modeler-condition.png') });

  // undo restores the condition
  await page.evaluate(() => document.querySelector('[data-bpmn-modeler]').bangfu.modeler.get('commandStack').undo());
  assert.match(await xml(), /preliminary_review\["decision"\] == "reject"|preliminary_review\[&#34;decision&#34;\] == &#34;reject&#34;/);

  // deploy (422 while the missing form is chosen, then 201)
  await select('declaration');
  await page.selectOption('.bf-panel select[name="bf-form"]', 'declaration.schema.json');
  await page.getByRole('button', { name: '部署新版本' }).click();
  await page.fill('input[name="bf-deploy-comment"]', '初审不予通过增加拒绝理由');
  await page.getByRole('button', { name: '确认部署' }).click();
  await page.getByText('已部署为第 8 版', { exact: false }).waitFor();
  sent = requests.at(-1);
  assert.equal(sent.path, '/api/deploy');
  assert.equal(sent.payload.comment, '初审不予通过增加拒绝理由');
  assert.match(sent.payload.xml, /spiffworkflow:property name="formJsonSchemaFilename" value="declaration.schema.json"/);
  assert.equal(await page.locator('.bf-problem-badge').count(), 0, 'problems cleared');

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: '下载 BPMN' }).click()]);
  assert.equal(download.suggestedFilename(), 'hardship_assistance.bpmn');
  await page.locator('[data-bpmn-modeler]').screenshot({ path: path.join(shots, 'bangfu-frontend-modeler.png') });
});

await check('charts: every canvas is drawn', desktop, async (page) => {
  await page.goto(`${base}/harness.html?only=charts`);
  for (const id of ['chart-stage', 'chart-category', 'chart-register', 'chart-days']) {
    await ready(page, `canvas[data-chart="${id}"]`);
  }
  await page.waitForTimeout(600); // animation
  const painted = await page.evaluate(() => Array.from(document.querySelectorAll('canvas[data-chart]')).map((c) => {
    const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n += 1;
    return n;
  }));
  painted.forEach((n, i) => assert.ok(n > 2000, `chart ${i} has ${n} painted pixels`));
  const tick = await page.evaluate(() => document.querySelector('canvas[data-chart="chart-stage"]').bangfu.chart.scales.y.ticks.map((t) => t.label));
  assert.ok(tick.includes('1,200') || tick.includes('1,000'), `zh-CN grouping in ticks: ${tick}`);
  await shot(page, 'charts', { fullPage: true });
});

await check('form editor: live preview, Chinese JSON errors, hidden inputs on save', desktop, async (page) => {
  await page.goto(`${base}/harness.html?only=editor`);
  await ready(page, '[data-form-editor]');
  await page.locator('.bf-editor-preview').getByText('发放确认').first().waitFor();
  await shot(page, 'editor', { fullPage: true });
  const schemaArea = page.locator('textarea[data-role="schema"]');
  const original = await schemaArea.inputValue();
  await schemaArea.fill(original.replace('"title": "发放确认",', '"title": "发放确认",,'));
  await page.locator('[data-role="problem"]').waitFor();
  const problem = await page.locator('[data-role="problem"]').textContent();
  assert.match(problem, /JSON Schema 不是有效的 JSON —— 第 3 行第 \d+ 列/);
  await shot(page, 'editor-invalid', { fullPage: true });
  await schemaArea.fill(original.replace('"title": "发放确认",', '"title": "发放确认", "minProperties": -1,'));
  await page.locator('[data-role="problem"]').getByText('不是有效的 JSON Schema：minProperties 不能小于 0').waitFor();
  await schemaArea.fill(original.replace('"title": "发放确认",', '"title": "发放确认（修订）",'));
  await page.locator('.bf-editor-preview').getByText('发放确认（修订）').first().waitFor();
  assert.equal(await page.locator('[data-role="problem"]').isVisible(), false);
  await Promise.all([page.waitForURL(/\/echo$/), page.getByRole('button', { name: '保存表单' }).click()]);
  const echoed = JSON.parse(await page.locator('#echo').textContent());
  assert.equal(JSON.parse(echoed.schema).title, '发放确认（修订）');
  assert.deepEqual(JSON.parse(echoed.ui_schema), configs.editor.uiSchema);
  assert.equal(echoed.csrf_token, 'test-csrf-token');
  assert.equal(Object.keys(echoed).filter((k) => k.startsWith('bf_preview')).length, 0, 'preview inputs not posted');
});

await check('all widgets on one page, nothing fetched from outside 127.0.0.1', desktop, async (page) => {
  await page.goto(`${base}/harness.html`);
  for (const selector of ['[data-jsonschema-form]', '[data-bpmn-viewer]', '[data-bpmn-modeler]', 'canvas[data-chart]', '[data-form-editor]']) {
    await ready(page, selector);
  }
  assert.deepEqual(external, [], 'no request left 127.0.0.1');
});

await browser.close();
server.close();
console.log(`screenshots: ${shots}/bangfu-frontend-*.png`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
