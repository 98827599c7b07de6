// Every request the dashboard makes goes through get(): it adds the query token, asks for one when
// the server answers 401, and while the server cannot be reached it reports that (the banner) and
// retries with a growing delay until it answers or the view no longer needs the answer.

const TOKEN_KEY = 'kubemonitor.queryToken';
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 10000;

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const listeners = new Set();
let reachable = true;
let askToken = async () => { throw new ApiError(401, 'unauthorized', 'the server needs a query token'); };
let pendingToken = null;
let memoryToken = '';  // where localStorage is unavailable (private windows, policies)

// fn({ retrying: ms }) when the server is unreachable, fn(null) once it answers again.
export function onReachability(fn) { listeners.add(fn); }
function setReachable(ok, retryMs) {
  if (ok && reachable) return;
  reachable = ok;
  for (const fn of listeners) fn(ok ? null : { retryingInMs: retryMs });
}

// fn(previousWasWrong) → Promise<token>: shown when the server answers 401.
export function setTokenPrompt(fn) { askToken = fn; }

function token() {
  try { return localStorage.getItem(TOKEN_KEY) ?? memoryToken; } catch { return memoryToken; }
}

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => { clearTimeout(timer); reject(signal.reason); }, { once: true });
  });
}

export function url(path, params = {}) {
  const query = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== '')).toString();
  return query ? `${path}?${query}` : path;
}

// The parsed JSON of GET path?params. Throws ApiError for an answer that is an error (404, 400…),
// an AbortError when `signal` aborts; waits through unreachability and 401.
export async function get(path, params = {}, { signal } = {}) {
  let delay = RETRY_FIRST_MS;
  let tokenWasWrong = false;
  for (;;) {
    let response;
    try {
      const headers = { Accept: 'application/json' };
      const t = token();
      if (t) headers.Authorization = `Bearer ${t}`;
      response = await fetch(url(path, params), { headers, signal, cache: 'no-store' });
    } catch (error) {
      if (signal?.aborted) throw error;
      // fetch rejects only when no answer came (refused, reset, DNS): the server is unreachable.
      setReachable(false, delay);
      await sleep(delay, signal);
      delay = Math.min(delay * 2, RETRY_MAX_MS);
      continue;
    }
    if (response.status === 401) {
      setReachable(true);
      // One prompt at a time: the views' parallel requests all wait for the same answer.
      pendingToken ??= askToken(tokenWasWrong).then((t) => {
        memoryToken = t;
        try { localStorage.setItem(TOKEN_KEY, t); } catch { /* kept in memory for this page only */ }
      }).finally(() => { pendingToken = null; });
      await pendingToken;
      tokenWasWrong = true;
      continue;
    }
    if (response.status === 502 || response.status === 503 || response.status === 504) {
      // A proxy in front of a stopped server, or storage not ready: the same as unreachable.
      setReachable(false, delay);
      await sleep(delay, signal);
      delay = Math.min(delay * 2, RETRY_MAX_MS);
      continue;
    }
    setReachable(true);
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new ApiError(response.status, body.error ?? 'error', body.message ?? `HTTP ${response.status}`);
    return body;
  }
}

// Several gets at once; all fail together.
export function getAll(requests, options) {
  return Promise.all(requests.map(([path, params]) => get(path, params, options)));
}
