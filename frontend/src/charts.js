/*
 * charts.js — dashboard charts (Chart.js) with zh-CN number formatting.
 *
 * Contract (Flask templates):
 *
 *   <canvas data-chart="open-by-stage" aria-label="按环节统计的在办案件"></canvas>
 *   <script type="application/json" id="open-by-stage">{{ config|tojson }}</script>
 *
 *   config = {
 *     "type":     "bar" | "line" | "doughnut",
 *     "title":    "在办案件（按环节）",
 *     "labels":   ["申报", "初审", ...],
 *     "datasets": [{"label": "案件数", "data": [12, 5, ...]}, ...],
 *     "format":   "number" | "money" | "days",     optional, default "number": 1,234 / ¥1,234.00 / 3.5 天
 *     "horizontal": false,                          optional, bar charts only
 *     "stacked":  false,                            optional, bar/line
 *     "height":   "300px"                           optional
 *   }
 *
 * Colours come from a fixed palette (per dataset; per slice for doughnuts) unless a dataset sets its
 * own backgroundColor/borderColor. The canvas is wrapped in <div class="bf-chart-box"> (300 px high,
 * 260 px on phones, or config.height) that the chart fills, so it can sit anywhere, e.g. in an
 * <article> under a <header>. canvas.bangfu = {chart}; canvas.dataset.bfReady === "1".
 */
import Chart from 'chart.js/auto';
import { boot } from './lib/boot.js';

const PALETTE = ['#1f6feb', '#e8590c', '#2f9e44', '#ae3ec9', '#f59f00', '#0c8599', '#e03131', '#5c7cfa', '#66a80f', '#868e96'];

const numberFormat = new Intl.NumberFormat('zh-CN', { maximumFractionDigits: 2 });
const moneyFormat = new Intl.NumberFormat('zh-CN', { style: 'currency', currency: 'CNY', minimumFractionDigits: 2 });
const FORMATS = {
  number: (v) => numberFormat.format(v),
  money: (v) => moneyFormat.format(v),
  days: (v) => `${numberFormat.format(v)} 天`,
};

Chart.defaults.locale = 'zh-CN';
Chart.defaults.font.family = '"Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", "Source Han Sans SC", system-ui, sans-serif';

function withColours(datasets, type) {
  return (Array.isArray(datasets) ? datasets : []).map((ds, i) => {
    const colour = PALETTE[i % PALETTE.length];
    const base = { ...ds, data: Array.isArray(ds.data) ? ds.data : [] };
    if (type === 'doughnut') {
      return { backgroundColor: base.data.map((_, j) => PALETTE[j % PALETTE.length]), borderWidth: 1, ...base };
    }
    if (type === 'line') {
      // monotone: a count rising from 0 is never drawn dipping below 0, nor above a peak it does not reach
      return { borderColor: colour, backgroundColor: `${colour}33`, tension: 0.25, cubicInterpolationMode: 'monotone',
        pointRadius: 3, fill: false, ...base };
    }
    return { backgroundColor: colour, borderColor: colour, borderRadius: 3, maxBarThickness: 48, ...base };
  });
}

boot('data-chart', '图表', (canvas, config) => {
  if (!(canvas instanceof HTMLCanvasElement)) throw new Error('data-chart 应放在 <canvas> 元素上');
  const type = ['bar', 'line', 'doughnut'].includes(config.type) ? config.type : 'bar';
  const format = FORMATS[config.format] || FORMATS.number;
  const datasets = withColours(config.datasets, type);
  const horizontal = type === 'bar' && !!config.horizontal;
  const valueAxis = horizontal ? 'x' : 'y';
  const allIntegers = datasets.every((ds) => ds.data.every((v) => v == null || Number.isInteger(typeof v === 'object' ? v[valueAxis] : v)));
  const tooltipValue = (ctx) => {
    const raw = ctx.parsed && typeof ctx.parsed === 'object' ? ctx.parsed[valueAxis] : ctx.parsed;
    const name = type === 'doughnut' ? ctx.label : ctx.dataset.label;
    return `${name ? `${name}：` : ''}${format(raw)}`;
  };
  const options = {
    responsive: true,
    maintainAspectRatio: false,
    locale: 'zh-CN',
    animation: { duration: 300 },
    plugins: {
      title: { display: !!config.title, text: config.title || '', font: { size: 15, weight: '600' } },
      legend: { display: type === 'doughnut' || datasets.length > 1, position: type === 'doughnut' ? 'right' : 'top' },
      tooltip: { callbacks: { label: tooltipValue } },
    },
  };
  if (type !== 'doughnut') {
    options.indexAxis = horizontal ? 'y' : 'x';
    options.scales = {
      [valueAxis]: { beginAtZero: true, stacked: !!config.stacked, ticks: { callback: (v) => format(v), precision: allIntegers ? 0 : undefined } },
      [horizontal ? 'y' : 'x']: { stacked: !!config.stacked, ticks: { autoSkip: true, maxRotation: 45 } },
    };
  }
  let box = canvas.parentElement;
  if (!box || !box.classList.contains('bf-chart-box')) {
    box = document.createElement('div');
    box.className = 'bf-chart-box';
    canvas.replaceWith(box);
    box.append(canvas);
  }
  if (config.height) box.style.height = config.height;
  if (!canvas.getAttribute('role')) canvas.setAttribute('role', 'img');
  if (!canvas.getAttribute('aria-label') && config.title) canvas.setAttribute('aria-label', config.title);
  const chart = new Chart(canvas, { type, data: { labels: Array.isArray(config.labels) ? config.labels : [], datasets }, options });
  return { chart };
});
