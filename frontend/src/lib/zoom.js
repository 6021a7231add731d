// Zoom controls and a readable default view for a bpmn-js diagram (viewer and modeler).
import { el } from './boot.js';

// Below this scale task names are too small to read; a whole diagram fitted smaller than this opens at
// READABLE_SCALE instead, showing the part that matters (the open step) with the rest a drag away.
export const MIN_READABLE = 0.7;
export const READABLE_SCALE = 0.9;

/**
 * Show the whole diagram when that is readable, else READABLE_SCALE centred on the first of `focus`
 * (element ids) that exists, or the diagram's start at the left edge (`left` pixels kept free).
 */
export function readableView(canvas, registry, { focus = [], left = 0, margin = 20 } = {}) {
  canvas.zoom('fit-viewport', 'auto');
  const { inner, outer } = canvas.viewbox();
  if (!inner.width || !inner.height) return;
  const fit = Math.min((outer.width - left - margin) / inner.width, (outer.height - 2 * margin) / inner.height, 1);
  if (fit >= MIN_READABLE) {
    if (left) canvas.viewbox({ x: inner.x - (left + margin) / fit, y: inner.y - margin / fit, width: outer.width / fit, height: outer.height / fit });
    return; // else as fitted, centred
  }
  const scale = READABLE_SCALE;
  const width = outer.width / scale;
  const height = outer.height / scale;
  const target = focus.map((id) => registry.get(id)).find((e) => e && e.width !== undefined);
  let x = inner.x - (left + margin) / scale;
  let y = inner.y - margin / scale;
  if (target) {
    x = Math.max(x, target.x + target.width / 2 - (width + left / scale) / 2);
    y = Math.max(y, target.y + target.height / 2 - height / 2);
  }
  canvas.viewbox({ x, y, width, height });
}

/** 放大 / 缩小 / 全图 / 还原 (the readable default view) buttons over the diagram; `onUse` runs on every click. */
export function zoomControls(canvas, zoomScroll, reset, onUse = () => {}) {
  const button = (label, title, action, run) => {
    const b = el('button', { type: 'button', class: 'bf-zoom-button', title, 'aria-label': title, 'data-zoom': action }, label);
    b.addEventListener('click', () => { onUse(); run(); });
    return b;
  };
  return el('div', { class: 'bf-zoom', role: 'toolbar', 'aria-label': '缩放' },
    button('＋', '放大', 'in', () => zoomScroll.stepZoom(1)),
    button('－', '缩小', 'out', () => zoomScroll.stepZoom(-1)),
    button('全图', '显示整个流程图', 'fit', () => canvas.zoom('fit-viewport', 'auto')),
    button('还原', '恢复默认大小', 'reset', reset));
}
