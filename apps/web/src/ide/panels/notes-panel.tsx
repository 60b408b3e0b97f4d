"use client";
import { type FormEvent, useState } from "react";
import { useIde, useIdeState } from "../ide-context";

/** Session notes: facts about the work, and decisions with the day they were made. */
export function NotesPanel() {
  const { store } = useIde();
  const facts = useIdeState((s) => s.facts);
  const decisions = useIdeState((s) => s.decisions);
  const readOnly = useIdeState((s) => s.readOnly);
  const [fact, setFact] = useState("");
  const [decision, setDecision] = useState("");
  function addFact(e: FormEvent) {
    e.preventDefault();
    store.getState().addFact(fact);
    setFact("");
  }
  function addDecision(e: FormEvent) {
    e.preventDefault();
    store.getState().addDecision(decision, new Date().toISOString());
    setDecision("");
  }
  return (
    <section className="side-panel" aria-label="Notes">
      <h2>Notes</h2>
      <h3>Facts</h3>
      <ul className="plain-list" aria-label="Facts">
        {facts.map((f, i) => (
          <li key={`${i}:${f}`}>
            <span>{f}</span>
            {readOnly ? null : (
              <button
                type="button"
                aria-label={`Remove fact ${f}`}
                onClick={() => store.getState().removeFact(i)}
              >
                ×
              </button>
            )}
          </li>
        ))}
      </ul>
      {readOnly ? null : (
        <form onSubmit={addFact} className="inline-form">
          <label className="visually-hidden" htmlFor="fact-input">
            Fact
          </label>
          <input
            id="fact-input"
            type="text"
            placeholder="A fact about this work"
            value={fact}
            onChange={(e) => setFact(e.target.value)}
          />
          <button type="submit">Add fact</button>
        </form>
      )}
      <h3>Decisions</h3>
      <ul className="plain-list" aria-label="Decisions">
        {decisions.map((d, i) => (
          <li key={`${i}:${d.at}`}>
            <span>
              <time dateTime={d.at}>{d.at.slice(0, 10)}</time> {d.text}
            </span>
            {readOnly ? null : (
              <button
                type="button"
                aria-label={`Remove decision ${d.text}`}
                onClick={() => store.getState().removeDecision(i)}
              >
                ×
              </button>
            )}
          </li>
        ))}
      </ul>
      {readOnly ? null : (
        <form onSubmit={addDecision} className="inline-form">
          <label className="visually-hidden" htmlFor="decision-input">
            Decision
          </label>
          <input
            id="decision-input"
            type="text"
            placeholder="A decision, dated today"
            value={decision}
            onChange={(e) => setDecision(e.target.value)}
          />
          <button type="submit">Add decision</button>
        </form>
      )}
    </section>
  );
}
