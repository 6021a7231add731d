// Finding widgets and their JSON configuration in the page.

/** Parse the <script type="application/json" id=ID> block; throws a Chinese message when missing/invalid. */
export function readConfig(id) {
  const script = id && document.getElementById(id);
  if (!script) throw new Error(`找不到配置数据（#${id}）`);
  try {
    return JSON.parse(script.textContent || 'null') || {};
  } catch (e) {
    throw new Error(`配置数据（#${id}）不是有效的 JSON：${e.message}`);
  }
}

/** Show a failure in place of a widget instead of a blank area. */
export function showFailure(element, what, error) {
  const box = document.createElement('div');
  box.className = 'bf-widget-error';
  box.setAttribute('role', 'alert');
  box.textContent = `${what}加载失败：${error && error.message ? error.message : error}`;
  element.replaceChildren(box);
  console.error(error); // eslint-disable-line no-console
}

/**
 * Run `init(element, config)` once for every element carrying `attribute`, when the DOM is ready.
 * Each initialised element gets data-bf-ready="1" (tests and templates can wait on it) and the
 * widget's handle as element.bangfu.
 */
export function boot(attribute, what, init) {
  const run = () => {
    document.querySelectorAll(`[${attribute}]`).forEach((element) => {
      if (element.dataset.bfReady) return;
      element.dataset.bfReady = 'pending';
      Promise.resolve()
        .then(() => init(element, readConfig(element.getAttribute(attribute))))
        .then((handle) => { element.bangfu = handle; element.dataset.bfReady = '1'; })
        .catch((error) => { element.dataset.bfReady = 'error'; showFailure(element, what, error); });
    });
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', run);
  else run();
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value == null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child == null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}
