import { createRepositories, type Repositories, type Store } from "@hearth/db";

export type { Repositories };

// Repositories are stateless wrappers around the store: one set per store is enough.
const cache = new WeakMap<Store, Repositories>();

export function repositoriesFor(store: Store): Repositories {
  let repos = cache.get(store);
  if (!repos) {
    repos = createRepositories(store);
    cache.set(store, repos);
  }
  return repos;
}
