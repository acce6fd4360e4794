// state.js - the smallest observable value: get, set, subscribe. Screens read it through useSignal (ui.js).
export function signal(value) {
  const subs = new Set();
  return {
    get: () => value,
    set(v) { if (v !== value) { value = v; for (const f of [...subs]) f(v); } },
    subscribe(f) { subs.add(f); return () => subs.delete(f); },
  };
}
