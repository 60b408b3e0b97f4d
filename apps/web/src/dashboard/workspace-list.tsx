"use client";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useTRPC } from "../lib/trpc";
import { ErrorAlert } from "../ui/error-alert";
import { WorkspaceItem } from "./workspace-item";

const PAGE = 50;

/**
 * The caller's workspaces, most recently active first; with a tag chosen, only those
 * sharing it (workspace.related).
 */
export function WorkspaceList({
  tag,
  onTag,
}: {
  tag: string | null;
  onTag(tag: string | null): void;
}) {
  const trpc = useTRPC();
  const all = useInfiniteQuery(
    trpc.workspace.list.infiniteQueryOptions(
      { limit: PAGE },
      { getNextPageParam: (page) => page.nextCursor ?? undefined, enabled: !tag },
    ),
  );
  const related = useQuery(
    trpc.workspace.related.queryOptions({ tags: tag ? [tag] : [], limit: 100 }, { enabled: !!tag }),
  );

  const query = tag ? related : all;
  const items = tag ? related.data?.items : all.data?.pages.flatMap((p) => p.items);
  const names = new Map(items?.map((ws) => [ws.id, ws.name]));
  // Every tag of the caller's listed workspaces (the unfiltered list stays cached).
  const tags = [
    ...new Set(all.data?.pages.flatMap((p) => p.items.flatMap((ws) => ws.tags)) ?? []),
  ].sort((a, b) => a.localeCompare(b));
  if (tag && !tags.includes(tag)) tags.unshift(tag);

  return (
    <section className="panel" aria-labelledby="list-title">
      <div className="panel-head">
        <h2 id="list-title">{tag ? `Workspaces tagged “${tag}”` : "Your workspaces"}</h2>
        <div className="actions">
          {tags.length > 0 ? (
            <select
              aria-label="Filter by tag"
              value={tag ?? ""}
              onChange={(e) => onTag(e.target.value || null)}
            >
              <option value="">All tags</option>
              {tags.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          ) : null}
          {tag ? (
            <button type="button" className="small" onClick={() => onTag(null)}>
              Show all workspaces
            </button>
          ) : null}
        </div>
      </div>
      {query.isPending ? <p className="empty">Loading…</p> : null}
      <ErrorAlert error={query.error} />
      {items && items.length === 0 ? (
        <p className="empty">
          {tag ? "No workspace has this tag." : "No workspaces yet: create one to start."}
        </p>
      ) : null}
      {items && items.length > 0 ? (
        <ul className="list" aria-label={tag ? `Tagged ${tag}` : "Your workspaces"}>
          {items.map((ws) => (
            <WorkspaceItem
              key={ws.id}
              ws={ws}
              parentName={ws.parentSessionId ? names.get(ws.parentSessionId) : undefined}
              activeTag={tag}
              onTag={onTag}
            />
          ))}
        </ul>
      ) : null}
      {!tag && all.hasNextPage ? (
        <button
          type="button"
          className="small"
          disabled={all.isFetchingNextPage}
          onClick={() => void all.fetchNextPage()}
        >
          {all.isFetchingNextPage ? "Loading…" : "Show more"}
        </button>
      ) : null}
    </section>
  );
}
