// A row's trend in a 96×20 canvas: one polyline, no axes. Canvases instead of SVG because a table
// of 10,000 pods redraws rows as it scrolls, and a canvas is one element per row.

import { cssVar } from './dom.js';

export const WIDTH = 96;
export const HEIGHT = 20;

// An empty sparkline canvas; draw() fills it (and may draw on it again with other values).
export function sparkCanvas() {
  const canvas = document.createElement('canvas');
  canvas.width = WIDTH * devicePixelRatio;
  canvas.height = HEIGHT * devicePixelRatio;
  canvas.className = 'spark';
  canvas.setAttribute('aria-hidden', 'true');
  return canvas;
}

// The theme's accent colour, read once per theme: getComputedStyle after the table's rows changed
// forces a style recalculation, and doing that per row made scrolling 10,000 pods stutter.
let strokeCache = { key: null, color: '' };
function stroke() {
  const key = `${document.documentElement.dataset.theme ?? ''}/${matchMedia('(prefers-color-scheme: dark)').matches}`;
  if (strokeCache.key !== key) strokeCache = { key, color: cssVar('--accent') };
  return strokeCache.color;
}

export function draw(canvas, values) {
  const ctx = canvas.getContext('2d');
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const finite = (values ?? []).filter((v) => Number.isFinite(v));
  if (finite.length < 2) return;
  const max = Math.max(...finite);
  const min = Math.min(0, ...finite);
  const span = max - min || 1;
  const dx = canvas.width / (values.length - 1);
  const pad = devicePixelRatio;
  ctx.strokeStyle = stroke();
  ctx.lineWidth = devicePixelRatio * 1.25;
  ctx.beginPath();
  let drawing = false;
  values.forEach((v, i) => {
    if (!Number.isFinite(v)) { drawing = false; return; }
    const x = i * dx;
    const y = canvas.height - pad - ((v - min) / span) * (canvas.height - 2 * pad);
    if (drawing) ctx.lineTo(x, y); else ctx.moveTo(x, y);
    drawing = true;
  });
  ctx.stroke();
}
