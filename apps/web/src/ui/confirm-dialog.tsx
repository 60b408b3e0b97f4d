"use client";
import { type ReactNode, useEffect, useId, useRef } from "react";
import { ErrorAlert } from "./error-alert";

/**
 * Asks before something that cannot be undone. A modal <dialog>: focus moves into it,
 * Escape cancels, and the rest of the page is inert while it is open.
 */
export function ConfirmDialog({
  open,
  title,
  children,
  confirmLabel,
  busy = false,
  error,
  onConfirm,
  onCancel,
}: {
  open: boolean;
  title: string;
  children?: ReactNode;
  confirmLabel: string;
  busy?: boolean;
  /** A refusal to show: an error of the call, or a sentence. */
  error?: unknown;
  onConfirm(): void;
  onCancel(): void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);

  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        onCancel();
      }}
    >
      <h2 id={titleId}>{title}</h2>
      {children}
      <ErrorAlert error={error} />
      <div className="actions" style={{ justifyContent: "flex-end", marginTop: "1rem" }}>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" className="danger solid" disabled={busy} onClick={onConfirm}>
          {confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
