// Numbers as people read them. The API's units are in its field names (millicores, bytes,
// bytes per second); these turn them into the units kubectl and the Kubernetes docs use:
// CPU in m below one core and cores above, memory in binary units (Mi/Gi as in resource limits),
// rates in decimal KB/s, MB/s (as network tools show them).

const BINARY = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
const DECIMAL_RATE = ['B/s', 'KB/s', 'MB/s', 'GB/s', 'TB/s'];

function isNumber(v) {
  return typeof v === 'number' && Number.isFinite(v);
}

// Three significant digits at most, no trailing ".0" noise: 1.23, 12.3, 123.
function short(v) {
  const a = Math.abs(v);
  if (a >= 100 || a === 0) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1).replace(/\.0$/, '');
  return v.toFixed(2).replace(/\.?0+$/, '');
}

export function cpu(millicores) {
  if (!isNumber(millicores)) return '–';
  if (Math.abs(millicores) < 1000) return `${short(millicores)}m`;
  const cores = short(millicores / 1000);
  return `${cores} ${cores === '1' ? 'core' : 'cores'}`;
}

export function bytes(n) {
  if (!isNumber(n)) return '–';
  let i = 0;
  while (Math.abs(n) >= 1024 && i < BINARY.length - 1) { n /= 1024; i++; }
  return `${short(n)} ${BINARY[i]}`;
}

export function rate(bytesPerSec) {
  if (!isNumber(bytesPerSec)) return '–';
  let n = bytesPerSec;
  let i = 0;
  while (Math.abs(n) >= 1000 && i < DECIMAL_RATE.length - 1) { n /= 1000; i++; }
  return `${short(n)} ${DECIMAL_RATE[i]}`;
}

export function percent(p) {
  return isNumber(p) ? `${short(p)}%` : '–';
}

// A ratio 0–1 shown as a percentage (cpu_throttled_ratio).
export function ratio(r) {
  return isNumber(r) ? percent(r * 100) : '–';
}

export function count(n) {
  return isNumber(n) ? String(Math.round(n)) : '–';
}

// "5m", "2h 30m", "3d": the window and ages.
export function duration(seconds) {
  if (!isNumber(seconds)) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.round(s / 60)}m`;
  if (s < 86400) {
    const h = Math.floor(s / 3600);
    const m = Math.round((s % 3600) / 60);
    return m ? `${h}h ${m}m` : `${h}h`;
  }
  const d = Math.floor(s / 86400);
  const h = Math.round((s % 86400) / 3600);
  return h ? `${d}d ${h}h` : `${d}d`;
}

// Local date and time to the minute, the way the custom range inputs show it.
export function dateTime(unixSeconds) {
  return new Date(unixSeconds * 1000).toLocaleString([], {
    month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit',
  });
}

// The formatter for a field, from the unit in its name.
export function forField(name) {
  if (name.includes('millicores')) return cpu;
  if (name.endsWith('_bytes_per_sec')) return rate;
  if (name.endsWith('_bytes')) return bytes;
  if (name.endsWith('_ratio')) return ratio;
  if (name.endsWith('_percent')) return percent;
  return count;
}
