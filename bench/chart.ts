/** The burst chart: time to Ready against N for each system, as a small hand-written SVG (no dependencies). */
import type { BurstResult, SystemName } from './burst.js';

const SERIES: readonly { system: SystemName; label: string; color: string }[] = [
  { system: 'staircase', label: 'Staircase', color: '#d9480f' },
  { system: 'inProcess', label: 'in-process controller', color: '#1971c2' },
  { system: 'floor', label: 'raw-write floor', color: '#868e96' },
];

const W = 640;
const H = 360;
const PAD = { left: 64, right: 180, top: 24, bottom: 48 };

/** A "nice" upper bound and step for an axis reaching `max`. */
function axis(max: number): { top: number; step: number } {
  const raw = max / 5 || 1;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude;
  return { top: Math.ceil(max / step) * step || step, step };
}

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const fmt = (value: number) => String(Math.round(value * 100) / 100);

export function burstChart(bursts: readonly BurstResult[]): string {
  const sizes = [...new Set(bursts.map((b) => b.n))].sort((a, b) => a - b);
  const x = axis(Math.max(...sizes));
  const y = axis(Math.max(...bursts.map((b) => b.burstMs / 1000)));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const px = (n: number) => PAD.left + (n / x.top) * plotW;
  const py = (s: number) => PAD.top + plotH - (s / y.top) * plotH;
  const parts: string[] = [];
  parts.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#fff"/>`);
  for (let v = 0; v <= y.top + 1e-9; v += y.step) {
    parts.push(
      `<line x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${py(v)}" y2="${py(v)}" stroke="#e9ecef"/>`,
    );
    parts.push(`<text x="${PAD.left - 8}" y="${py(v) + 4}" text-anchor="end">${fmt(v)}</text>`);
  }
  for (let v = 0; v <= x.top + 1e-9; v += x.step)
    parts.push(`<text x="${px(v)}" y="${PAD.top + plotH + 18}" text-anchor="middle">${fmt(v)}</text>`);
  parts.push(
    `<line x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${PAD.top + plotH}" y2="${PAD.top + plotH}" stroke="#495057"/>`,
    `<line x1="${PAD.left}" x2="${PAD.left}" y1="${PAD.top}" y2="${PAD.top + plotH}" stroke="#495057"/>`,
    `<text x="${PAD.left + plotW / 2}" y="${H - 10}" text-anchor="middle">new resources at once (N)</text>`,
    `<text transform="translate(16 ${PAD.top + plotH / 2}) rotate(-90)" text-anchor="middle">seconds until all Ready</text>`,
  );
  SERIES.forEach((series, index) => {
    const points = sizes.flatMap((n) => {
      const burst = bursts.find((b) => b.system === series.system && b.n === n);
      return burst ? [[px(n), py(burst.burstMs / 1000)] as const] : [];
    });
    if (points.length > 1)
      parts.push(
        `<polyline fill="none" stroke="${series.color}" stroke-width="2" points="${points.map((p) => p.join(',')).join(' ')}"/>`,
      );
    for (const [cx, cy] of points) parts.push(`<circle cx="${cx}" cy="${cy}" r="4" fill="${series.color}"/>`);
    const ly = PAD.top + 12 + index * 22;
    const lx = PAD.left + plotW + 16;
    parts.push(
      `<line x1="${lx}" x2="${lx + 20}" y1="${ly - 4}" y2="${ly - 4}" stroke="${series.color}" stroke-width="3"/>`,
      `<text x="${lx + 26}" y="${ly}">${escapeXml(series.label)}</text>`,
    );
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12" fill="#212529">`,
    '<title>Burst: seconds until N new Greetings are all Ready</title>',
    ...parts.map((p) => `  ${p}`),
    '</svg>',
    '',
  ].join('\n');
}
