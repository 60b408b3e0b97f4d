"use client";
import { useQuery } from "@tanstack/react-query";
import { useLayoutEffect, useRef, useState } from "react";
import { useIde } from "../ide-context";

/** Ctrl+P: find a file by name (fs.search) and open it. */
export function QuickOpen({ onClose }: { onClose: () => void }) {
  const { files, store } = useIde();
  const [query, setQuery] = useState("");
  const [index, setIndex] = useState(0);
  const dialog = useRef<HTMLDialogElement>(null);
  const workspaceId = store.getState().workspaceId;
  const hits = useQuery({
    queryKey: ["fs.search", workspaceId, query],
    queryFn: () => files.search(query),
    placeholderData: (previous) => previous,
  });
  const results = hits.data ?? [];

  // Before the browser handles the next key, so that key finds the field focused.
  useLayoutEffect(() => {
    dialog.current?.showModal();
  }, []);

  function open(path: string | undefined) {
    if (!path) return;
    store.getState().openFile(path);
    files.opened(path);
    onClose();
  }

  return (
    <dialog ref={dialog} className="quick-open" aria-label="Quick open" onClose={onClose}>
      <input
        type="search"
        aria-label="File name"
        placeholder="Type to find a file"
        value={query}
        autoFocus
        onChange={(e) => {
          setQuery(e.target.value);
          setIndex(0);
        }}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown") {
            e.preventDefault();
            setIndex((i) => Math.min(i + 1, results.length - 1));
          } else if (e.key === "ArrowUp") {
            e.preventDefault();
            setIndex((i) => Math.max(i - 1, 0));
          } else if (e.key === "Enter") {
            e.preventDefault();
            open(results[index]);
          }
        }}
      />
      <ul aria-label="Matching files">
        {results.map((path, i) => (
          <li key={path} className={i === index ? "selected" : undefined}>
            <button type="button" onClick={() => open(path)}>
              {path}
            </button>
          </li>
        ))}
      </ul>
    </dialog>
  );
}
