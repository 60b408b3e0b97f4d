"use client";
import { type FormEvent, useState } from "react";
import { useIde, useIdeState } from "../ide-context";

/** Watch expressions, kept with the session (evaluated once a debugger is attached). */
export function WatchPanel() {
  const { store } = useIde();
  const watches = useIdeState((s) => s.watches);
  const breakpoints = useIdeState((s) => s.breakpoints);
  const readOnly = useIdeState((s) => s.readOnly);
  const [text, setText] = useState("");
  function add(e: FormEvent) {
    e.preventDefault();
    store.getState().addWatch(text);
    setText("");
  }
  return (
    <section className="side-panel" aria-label="Watch">
      <h2>Watch</h2>
      <ul className="plain-list">
        {watches.map((w, i) => (
          <li key={`${i}:${w}`}>
            <code>{w}</code>
            {readOnly ? null : (
              <button
                type="button"
                aria-label={`Remove watch ${w}`}
                onClick={() => store.getState().removeWatch(i)}
              >
                ×
              </button>
            )}
          </li>
        ))}
      </ul>
      {readOnly ? null : (
        <form onSubmit={add} className="inline-form">
          <label className="visually-hidden" htmlFor="watch-input">
            Watch expression
          </label>
          <input
            id="watch-input"
            type="text"
            placeholder="Add a watch expression"
            value={text}
            onChange={(e) => setText(e.target.value)}
          />
          <button type="submit">Add watch</button>
        </form>
      )}
      <h3>Breakpoints</h3>
      {breakpoints.length === 0 ? (
        <p className="hint">Click left of a line number to set one.</p>
      ) : (
        <ul className="plain-list" aria-label="Breakpoints">
          {breakpoints.map((b) => (
            <li key={`${b.path}:${b.line}`}>
              <button
                type="button"
                className="link-button"
                onClick={() => store.getState().openFile(b.path)}
              >
                {b.path}:{b.line}
              </button>
              {readOnly ? null : (
                <button
                  type="button"
                  aria-label={`Remove breakpoint ${b.path}:${b.line}`}
                  onClick={() => store.getState().toggleBreakpoint(b.path, b.line)}
                >
                  ×
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
