/*
 * viewer.js — the process diagram of a case with its progress marked (bpmn-js NavigatedViewer).
 *
 * Contract (Flask templates):
 *
 *   <div data-bpmn-viewer="case-diagram"></div>
 *   <script type="application/json" id="case-diagram">{{ config|tojson }}</script>
 *
 *   config = {
 *     "xml":       "<?xml ...>",          the BPMN of the case's model version
 *     "completed": ["declaration", ...],   element ids of finished steps (flows allowed too)
 *     "current":   ["re_review", ...],     element ids of the open steps
 *     "height":    "480px"                 optional; default from CSS (.bf-bpmn: 60vh, min 360px)
 *   }
 *
 * The diagram is fitted to the box when its labels stay readable, else shown at 100% centred on the current
 * step (drag to pan, Ctrl/⌘ + wheel or the ＋ － 全图 还原 buttons to zoom). Completed elements get the
 * marker class bf-completed (green fill), current ones bf-current (orange fill, blue outline); a
 * legend 已完成 / 当前步骤 is drawn in the corner. Ids missing from the diagram are ignored.
 * element.bangfu = {viewer} once ready; element.dataset.bfReady === "1".
 */
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import { boot, el } from './lib/boot.js';
import { readableView, zoomControls } from './lib/zoom.js';

boot('data-bpmn-viewer', '流程图', async (container, config) => {
  container.classList.add('bf-bpmn', 'bf-bpmn-viewer');
  if (config.height) container.style.height = config.height;
  const canvasBox = el('div', { class: 'bf-bpmn-canvas' });
  const legend = el('div', { class: 'bf-legend', 'aria-label': '图例' },
    el('span', { class: 'bf-legend-item' }, el('i', { class: 'bf-swatch bf-swatch-completed' }), '已完成'),
    el('span', { class: 'bf-legend-item' }, el('i', { class: 'bf-swatch bf-swatch-current' }), '当前步骤'));
  container.replaceChildren(canvasBox, legend);

  const viewer = new NavigatedViewer({ container: canvasBox });
  await viewer.importXML(config.xml || '');
  const canvas = viewer.get('canvas');
  const registry = viewer.get('elementRegistry');
  const mark = (ids, cls) => (Array.isArray(ids) ? ids : []).forEach((id) => {
    if (registry.get(id)) canvas.addMarker(id, cls);
  });
  mark(config.completed, 'bf-completed');
  mark(config.current, 'bf-current');
  const show = () => readableView(canvas, registry, { focus: Array.isArray(config.current) ? config.current : [] });
  show();

  // reset the view when the box changes size (e.g. phone rotation), unless the user has zoomed or panned
  let userMoved = false;
  ['wheel', 'mousedown', 'touchstart'].forEach((type) => canvasBox.addEventListener(type, () => { userMoved = true; }, { passive: true }));
  container.append(zoomControls(canvas, viewer.get('zoomScroll'), show, () => { userMoved = true; }));
  if (typeof ResizeObserver !== 'undefined') {
    new ResizeObserver(() => {
      if (userMoved) return;
      canvas.resized();
      show();
    }).observe(canvasBox);
  }
  return { viewer };
});
