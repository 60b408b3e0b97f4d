import { createStore as createIdbStore, del, get, set } from "idb-keyval";
import type { Autosaver, PendingSave, PendingStore } from "./autosave";

/** Unsent autosaves in IndexedDB, one entry per workspace, surviving reloads. */
export function indexedDbPending(): PendingStore {
  const db = createIdbStore("hearth", "pending-autosave");
  return {
    get: (id) => get<PendingSave>(id, db),
    set: (id, pending) => set(id, pending, db),
    delete: (id) => del(id, db),
  };
}

/**
 * Ties autosave to the page's life: flush with keepalive when the page goes away, and
 * try at once when the browser says the network is back.
 */
export function bindToPage(saver: Autosaver): () => void {
  const onHide = () => saver.flushOnExit();
  const onOnline = () => saver.online();
  window.addEventListener("pagehide", onHide);
  window.addEventListener("online", onOnline);
  return () => {
    window.removeEventListener("pagehide", onHide);
    window.removeEventListener("online", onOnline);
  };
}
