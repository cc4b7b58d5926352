// The api client: same-origin JSON with the session cookie; every call carries X-Requested-With,
// which the api requires of cookie sessions that change something (CSRF protection). Without a
// network, a GET the album needs is answered with what it answered last (offline.js).

import { forget, recall, remember } from './offline.js';

export class ApiError extends Error {
  constructor(status, code, message, fields, retryAfter = null) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code;
    this.fields = fields || {};
    /** How many seconds to wait before trying again (a 429's Retry-After), or null. */
    this.retryAfter = retryAfter;
  }
}

export async function api(method, path, body) {
  const headers = { 'X-Requested-With': 'picup' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  // A change may make what early.js asked out of date.
  if (method !== 'GET') endEarly();
  const early = method === 'GET' ? takeEarly(path) : null;
  let response;
  try {
    response = await (early || fetch(`/api/v1${path}`, {
      method,
      credentials: 'same-origin',
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    }));
  } catch (err) {
    const kept = method === 'GET' ? await recall(path) : null;
    if (kept) return kept;
    throw new ApiError(0, 'offline', null);
  }
  // Signed out, or the session ended: nothing of hers stays kept in this browser.
  if (path === '/auth/logout' || response.status === 401) forget();
  if (response.status === 204) return null;
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const wait = Number.parseInt(response.headers.get('Retry-After') || '', 10);
    throw new ApiError(response.status, data.code, data.message, data.fields, Number.isFinite(wait) ? wait : null);
  }
  if (method === 'GET') remember(path, data);
  return data;
}

/** The answer early.js started for this GET, taken once; null when it started none. */
function takeEarly(path) {
  const started = window.picupEarly;
  const response = started?.get(path);
  if (!response) return null;
  started.delete(path);
  return response;
}

/** Early answers not taken by now are let go: they were asked for the first screen only. */
export function endEarly() {
  window.picupEarly?.clear();
}
