"use client";
import { SETTING_SPECS, type SettingKey, type SettingValues } from "@hearth/db/settings";
import { useEffect, useState } from "react";
import { CHOICE_LABELS, SETTING_LABELS } from "./labels";

type Value = SettingValues[SettingKey];

/**
 * One preference's control, labelled with its name: a select for choices, a checkbox for
 * on/off, a number field for numbers — which commits on Enter or when it loses focus, and
 * says the allowed range when the number is outside it (the server's own limits).
 */
export function SettingControl({
  id,
  settingKey,
  value,
  label = SETTING_LABELS[settingKey],
  onCommit,
}: {
  id: string;
  settingKey: SettingKey;
  value: Value;
  /** The control's name, when not the setting's own (an organization default's). */
  label?: string;
  onCommit(value: Value): void;
}) {
  const spec = SETTING_SPECS[settingKey];
  const [draft, setDraft] = useState(String(value));
  const [invalid, setInvalid] = useState<string | null>(null);
  useEffect(() => {
    setDraft(String(value));
    setInvalid(null);
  }, [value]);

  if (spec.kind === "bool") {
    return (
      <label className="checkbox" htmlFor={id}>
        <input
          id={id}
          type="checkbox"
          checked={value === true}
          onChange={(e) => onCommit(e.target.checked)}
        />
        {label}
      </label>
    );
  }
  if (spec.kind === "choice") {
    return (
      <>
        <label htmlFor={id}>{label}</label>
        <select id={id} value={String(value)} onChange={(e) => onCommit(e.target.value as Value)}>
          {spec.choices.map((c) => (
            <option key={c} value={c}>
              {CHOICE_LABELS[c] ?? c}
            </option>
          ))}
        </select>
      </>
    );
  }
  const commit = () => {
    const n = Number(draft);
    if (draft.trim() === "" || !Number.isInteger(n) || n < spec.min || n > spec.max) {
      setInvalid(`${label} must be a whole number from ${spec.min} to ${spec.max}.`);
      return;
    }
    setInvalid(null);
    if (n !== value) onCommit(n);
  };
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="number"
        inputMode="numeric"
        min={spec.min}
        max={spec.max}
        step={1}
        value={draft}
        aria-invalid={invalid ? true : undefined}
        aria-describedby={invalid ? `${id}-error` : undefined}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === "Enter") {
            e.preventDefault();
            commit();
          }
        }}
      />
      {invalid ? (
        <span id={`${id}-error`} className="field-error" role="alert">
          {invalid}
        </span>
      ) : null}
    </>
  );
}
