// The console's one way to the API: the secret key from sessionStorage, JSON in and out; a 401
// sends the analyst back to the key prompt.
const KEY = "edgeward.console.secret_key";

export const key = {
  get: () => sessionStorage.getItem(KEY),
  set: (k) => sessionStorage.setItem(KEY, k),
  clear: () => sessionStorage.removeItem(KEY),
};

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

let onUnauthorized = () => {};
export const whenUnauthorized = (f) => (onUnauthorized = f);

export async function api(method, path, body) {
  const headers = { "x-api-key": key.get() ?? "" };
  if (body !== undefined) headers["content-type"] = "application/json";
  const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    throw new ApiError(r.status, `the API answered ${r.status} with something that is not JSON`);
  }
  if (r.status === 401) {
    onUnauthorized(json?.message ?? "the key was refused");
    throw new ApiError(401, json?.message ?? "unauthorised");
  }
  if (!r.ok) throw new ApiError(r.status, json?.message ?? `HTTP ${r.status}`);
  return json;
}

export const get = (path) => api("GET", path);
export const enc = encodeURIComponent;

/** The reason catalogue (www/vendor/reasons.json, generated from docs/reasons.md at build). */
let catalogue;
export async function reasons() {
  catalogue ??= fetch("vendor/reasons.json").then((r) => r.json()).then((j) => j.reasons);
  return catalogue;
}
