// The race's bar chart (e2e/bench_race.mjs screenshots it into docs/bench-race.png): one panel per photo,
// one horizontal bar per system (median ms, with a tick at p90), each panel on its own scale so that the
// 640×480 portrait and the 48 MP photo are both readable. Drawn with the plain 2D canvas: no chart library.

const COLORS = { app: '#1f6feb', raw: '#8b949e', human: '#d29922', 'faceapi-tiny': '#2da44e', 'faceapi-ssd': '#a371f7' };

/** `subtitle`: one or more lines ('\n'); `photos`: race.json's photos; `systems`: [{ id, label }]. */
window.drawChart = ({ title, subtitle, photos, systems }) => {
  const W = 1100;
  const barH = 20;
  const gap = 6;
  const panelH = 34 + systems.length * (barH + gap);
  const lines = subtitle.split('\n');
  const top = 70 + 18 * (lines.length - 1);
  const H = top + photos.length * panelH + 20;
  const left = 250;
  const right = 150;
  const canvas = document.getElementById('chart');
  canvas.width = W * devicePixelRatio;
  canvas.height = H * devicePixelRatio;
  canvas.style.width = `${W}px`;
  canvas.style.height = `${H}px`;
  const g = canvas.getContext('2d');
  g.scale(devicePixelRatio, devicePixelRatio);
  g.fillStyle = '#fff';
  g.fillRect(0, 0, W, H);
  g.fillStyle = '#111';
  g.font = 'bold 18px sans-serif';
  g.fillText(title, 16, 28);
  g.font = '13px sans-serif';
  g.fillStyle = '#555';
  lines.forEach((line, i) => g.fillText(line, 16, 50 + 18 * i));
  photos.forEach((photo, p) => {
    const y0 = top + p * panelH;
    g.fillStyle = '#111';
    g.font = 'bold 14px sans-serif';
    g.fillText(photo.label, 16, y0 + 18);
    // The panel's scale: its largest p90 (or median); a refused or failed cell has neither (NaN).
    const max = Math.max(1, ...systems.flatMap((s) => [photo.cells[s.id]?.p90, photo.cells[s.id]?.median]).filter(Number.isFinite));
    const scale = (W - left - right) / max;
    systems.forEach((s, i) => {
      const y = y0 + 28 + i * (barH + gap);
      const c = photo.cells[s.id];
      g.font = '13px sans-serif';
      g.fillStyle = '#333';
      g.fillText(s.label, 28, y + barH - 6);
      if (!c || !Number.isFinite(c.median)) {
        g.fillStyle = '#b42318';
        g.fillText(c?.note ?? 'no result', left, y + barH - 6);
        return;
      }
      g.fillStyle = COLORS[s.id] ?? '#444';
      g.fillRect(left, y, c.median * scale, barH);
      if (Number.isFinite(c.p90)) {
        g.fillStyle = '#111';
        g.fillRect(left + c.p90 * scale - 1, y - 2, 2, barH + 4);
      }
      g.fillStyle = '#111';
      const ms = c.median < 10 ? c.median.toFixed(2) : c.median.toFixed(0);
      g.fillText(`${ms} ms · ${c.faces ?? '?'} face${c.faces === 1 ? '' : 's'}`, left + Math.max(c.median, Number.isFinite(c.p90) ? c.p90 : 0) * scale + 8, y + barH - 6);
    });
  });
  return { width: W, height: H };
};
