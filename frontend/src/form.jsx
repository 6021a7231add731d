/*
 * form.js — task forms rendered from the task's JSON Schema (the same file the server validates with).
 *
 * Contract (Flask templates):
 *
 *   <form method="post" action="...">
 *     <input type="hidden" name="csrf_token" value="...">
 *     <div data-jsonschema-form="task-form"></div>
 *     <script type="application/json" id="task-form">{{ config|tojson }}</script>
 *     <button type="submit">提交</button>          <!-- hidden by form.js; works without JS -->
 *   </form>
 *
 *   config = {
 *     "schema":    {...JSON Schema...},
 *     "uiSchema":  {...rjsf uiSchema...},            optional
 *     "formData":  {...},                            optional: earlier or just-rejected input
 *     "errors":    {"data.family_members.0.id_number": ["身份证号校验位错误"], "data": ["..."]},  optional
 *     "readonly":  false,                            true: disabled fields, no button, no hidden input
 *     "inputName": "data",                           name of the hidden input that carries the JSON
 *     "noValidate": false,                           optional: skip client-side validation
 *     "submitText": "提交"                           optional
 *   }
 *
 * - Server errors: keys are dotted paths, a leading "data" segment is stripped ("data" alone = whole
 *   form); they are shown beside their fields (rjsf extraErrors) and in the list at the top, and a
 *   field's server error disappears once the user changes that field.
 * - Client validation (ajv, formats cn-resident-id / bank-card / money / date, Chinese messages) runs
 *   when 提交 is pressed. When it passes, JSON.stringify(formData) is written into
 *   <input type="hidden" name=inputName> of the closest enclosing <form> (created if absent) and that
 *   form is submitted with requestSubmit(), so the POST carries its CSRF field as usual. The enclosing
 *   form's own submit buttons are hidden (mark one data-bf-keep to keep it visible); the first of them
 *   is used as the submitter, so its name/value is posted too.
 * - No enclosing form: a "bangfu:submit" CustomEvent (detail = {formData}) is dispatched on the div.
 * - A schema ajv cannot compile falls back to noValidate (the server still validates).
 * - element.bangfu = {getFormData()} once ready; element.dataset.bfReady === "1".
 */
import { createRoot } from 'react-dom/client';
import { useMemo, useRef, useState } from 'react';
import Form from '@rjsf/core';
import { boot } from './lib/boot.js';
import {
  defaultFormStateBehavior, makeTransformErrors, prepareSchema, pruneChangedErrors, schemaCompiles, serverErrorsToErrorSchema,
  settleConditions, templates, translateString, validator, withSubmitOptions,
} from './lib/rjsf-zh.jsx';

function submitButtonsOf(form, container) {
  return Array.from(form.querySelectorAll('button, input[type="submit"], input[type="image"]'))
    .filter((b) => b.type === 'submit' || b.type === 'image')
    .filter((b) => !container.contains(b) && b.form === form);
}

function JsonSchemaForm({ config, container, dataRef }) {
  const readonly = !!config.readonly;
  const schema = useMemo(() => prepareSchema(config.schema || {}), [config]);
  const noValidate = useMemo(() => !!config.noValidate || readonly || !schemaCompiles(schema), [config, schema, readonly]);
  const initialData = useMemo(() => config.formData ?? undefined, [config]);
  const serverErrors = useMemo(() => serverErrorsToErrorSchema(config.errors, config.schema, config.uiSchema),
    [config]);
  const [formData, setFormData] = useState(initialData);
  const shownSchema = useMemo(() => settleConditions(schema, formData), [schema, formData]);
  const [extraErrors, setExtraErrors] = useState(serverErrors);
  const [submitting, setSubmitting] = useState(false);
  const schemaRef = useRef(schema);
  schemaRef.current = schema;

  const uiSchema = useMemo(() => {
    const ui = withSubmitOptions(config.uiSchema, { norender: readonly, submitText: config.submitText || '提交' });
    if (submitting) {
      ui['ui:submitButtonOptions'] = { ...ui['ui:submitButtonOptions'], submitText: '正在提交…', props: { disabled: true } };
    }
    return ui;
  }, [config, readonly, submitting]);
  const uiSchemaRef = useRef(config.uiSchema);
  uiSchemaRef.current = config.uiSchema;
  const transformErrors = useMemo(() => makeTransformErrors(() => schemaRef.current, () => dataRef.current,
    () => uiSchemaRef.current), [dataRef]);

  const onChange = (event) => {
    dataRef.current = event.formData;
    setFormData(event.formData);
    setExtraErrors((previous) => pruneChangedErrors(serverErrors, initialData, event.formData));
  };

  const onSubmit = (event) => {
    const data = event.formData ?? {};
    dataRef.current = data;
    const outer = container.closest('form');
    if (!outer) {
      container.dispatchEvent(new CustomEvent('bangfu:submit', { bubbles: true, detail: { formData: data } }));
      return;
    }
    const name = config.inputName || 'data';
    let input = Array.from(outer.querySelectorAll('input[type="hidden"]'))
      .find((i) => i.name === name && !container.contains(i));
    if (!input) {
      input = document.createElement('input');
      input.type = 'hidden';
      input.name = name;
      outer.append(input);
    }
    input.value = JSON.stringify(data);
    setSubmitting(true);
    const [submitter] = submitButtonsOf(outer, container);
    if (typeof outer.requestSubmit === 'function') {
      outer.requestSubmit(submitter || undefined);
    } else {
      outer.submit();
    }
    // a handler that cancelled the submission gets the button back
    setTimeout(() => setSubmitting(false), 4000);
  };

  return (
    <>
      {noValidate && !readonly && !config.noValidate && (
        <p className="bf-note">此表单在浏览器中无法预先校验，提交后由服务器校验。</p>
      )}
      <Form
        schema={shownSchema}
        uiSchema={uiSchema}
        formData={formData}
        validator={validator}
        experimental_defaultFormStateBehavior={defaultFormStateBehavior}
        templates={templates}
        translateString={translateString}
        transformErrors={transformErrors}
        extraErrors={extraErrors}
        idPrefix={config.idPrefix || container.getAttribute('data-jsonschema-form') || 'root'}
        noValidate={noValidate}
        noHtml5Validate
        omitExtraData
        focusOnFirstError
        showErrorList="top"
        disabled={readonly}
        readonly={readonly}
        className={`bf-rjsf${readonly ? ' bf-readonly' : ''}`}
        onChange={onChange}
        onSubmit={onSubmit}
      />
    </>
  );
}

boot('data-jsonschema-form', '表单', (container, config) => {
  container.classList.add('bf-form');
  const outer = container.closest('form');
  if (outer && !config.readonly) {
    submitButtonsOf(outer, container).forEach((b) => {
      if (!b.hasAttribute('data-bf-keep')) b.hidden = true;
    });
  }
  const dataRef = { current: config.formData ?? undefined };
  createRoot(container).render(<JsonSchemaForm config={config} container={container} dataRef={dataRef} />);
  return { getFormData: () => dataRef.current };
});
