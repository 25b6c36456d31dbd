/** A dependency-free horizontal bar chart: one bar per app, value label and an optional note on the right. */
export interface Bar {
  label: string;
  value: number;
  note?: string;
  /** 'baseline' | 'peer' | 'ours' picks the colour. */
  kind: 'baseline' | 'peer' | 'ours';
}

const COLORS = { baseline: '#9e9e9e', peer: '#e08a3c', ours: '#2f7fd1' } as const;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function barChartSvg(title: string, subtitle: string, bars: Bar[], unit: string): string {
  const labelW = 300;
  const barMaxW = 420;
  const noteW = 200;
  const rowH = 26;
  const top = 58;
  const width = labelW + barMaxW + noteW + 20;
  const height = top + bars.length * rowH + 30;
  const max = Math.max(1, ...bars.map((b) => (Number.isFinite(b.value) ? b.value : 0)));
  const rows = bars
    .map((b, i) => {
      const y = top + i * rowH;
      const w = Number.isFinite(b.value) ? Math.max(1, (b.value / max) * barMaxW) : 0;
      const value = Number.isFinite(b.value) ? `${Math.round(b.value)} ${unit}` : 'n/a';
      return [
        `<text x="${labelW - 8}" y="${y + 17}" text-anchor="end">${esc(b.label)}</text>`,
        `<rect x="${labelW}" y="${y + 4}" width="${w.toFixed(1)}" height="${rowH - 8}" fill="${COLORS[b.kind]}" rx="2"/>`,
        `<text x="${labelW + w + 6}" y="${y + 17}">${esc(value)}</text>`,
        b.note ? `<text x="${labelW + barMaxW + noteW + 10}" y="${y + 17}" text-anchor="end" fill="#444">${esc(b.note)}</text>` : '',
      ].join('');
    })
    .join('\n  ');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="13">
  <rect width="100%" height="100%" fill="#fff"/>
  <text x="10" y="22" font-size="16" font-weight="bold">${esc(title)}</text>
  <text x="10" y="42" fill="#555">${esc(subtitle)}</text>
  ${rows}
  <text x="10" y="${height - 8}" fill="#777" font-size="11">grey: bare Nest (no session) · orange: peers · blue: nestjs-redis-session</text>
</svg>
`;
}
