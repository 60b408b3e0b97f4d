"use client";
import type { SettingValues } from "@hearth/db/settings";
import { useEffect, useRef, useState } from "react";
import { OPEN_SETTINGS_EVENT, useSettings } from "../../settings/settings-context";
import { useIde, useIdeState } from "../ide-context";
import type { Breakpoint, GroupIndex, JsonValue } from "../state/types";
import { type MonacoEditor, monaco, type ViewState } from "./monaco";
import { saveFile } from "./save-file";

/**
 * The one place that owns a Monaco editor instance: one per editor group. It shows the
 * group's active file, keeps each tab's view state (cursor, selections, scroll, folding)
 * in the store and puts it back when the tab is shown again, draws breakpoints in the
 * glyph margin, and disposes everything when it goes.
 */
export function CodeEditor({ group }: { group: GroupIndex }) {
  const ide = useIde();
  const { store, models } = ide;
  const host = useRef<HTMLDivElement>(null);
  const editorRef = useRef<MonacoEditor | null>(null);
  const shown = useRef<string | null>(null);
  const path = useIdeState((s) => s.active[group]);
  // A binary or too large file is not put in an editor (the group says why), so no key
  // typed can turn it into text.
  const unreadable = useIdeState(
    (s) => path !== null && path in s.unreadable && !(path in s.buffers),
  );
  const readOnly = useIdeState((s) => s.readOnly);
  const breakpoints = useIdeState((s) => s.breakpoints);
  const focused = useIdeState((s) => s.focusedGroup === group);
  const decorations = useRef<monaco.editor.IEditorDecorationsCollection | null>(null);
  const settings = useSettings();
  // The values now, for an instance made again later (the effect below re-runs).
  const latestSettings = useRef(settings);
  latestSettings.current = settings;
  /** The file whose text is on its way (a slow disk or network): the group says so. */
  const [opening, setOpening] = useState<string | null>(null);

  useEffect(() => {
    const editor = monaco.editor.create(host.current!, {
      model: null,
      theme: monacoTheme(latestSettings.current.theme),
      automaticLayout: true,
      glyphMargin: true,
      readOnly,
      domReadOnly: readOnly,
      ...editorOptions(latestSettings.current),
      scrollBeyondLastLine: false,
      fixedOverflowWidgets: true,
      ariaLabel: "Editor",
    });
    editorRef.current = editor;
    decorations.current = editor.createDecorationsCollection();
    const state = () => store.getState();
    let viewTimer: ReturnType<typeof setTimeout> | undefined;
    const keepViewState = () => {
      const p = shown.current;
      if (p && editor.getModel()) {
        state().setViewState(p, group, editor.saveViewState() as unknown as JsonValue);
      }
    };
    const keepViewStateSoon = () => {
      clearTimeout(viewTimer);
      viewTimer = setTimeout(keepViewState, 100);
    };
    const showCursor = () => {
      const at = editor.getPosition();
      state().setCursor(at ? { line: at.lineNumber, column: at.column } : null);
    };
    const subscriptions = [
      editor.onDidChangeCursorSelection(() => {
        keepViewStateSoon();
        if (editor.hasTextFocus()) showCursor();
      }),
      editor.onDidScrollChange(keepViewStateSoon),
      editor.onDidFocusEditorText(() => {
        state().focusGroup(group);
        showCursor();
      }),
      editor.onMouseDown((e) => {
        const line = e.target.position?.lineNumber;
        if (
          e.target.type === monaco.editor.MouseTargetType.GUTTER_GLYPH_MARGIN &&
          line &&
          shown.current
        ) {
          state().toggleBreakpoint(shown.current, line);
        }
      }),
    ];
    editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.KeyS, () => {
      if (shown.current) void saveFile(ide, shown.current);
    });
    editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.KeyW, () => {
      if (shown.current) state().closeTab(shown.current, group);
    });
    // Ctrl+P and Ctrl+` belong to the page, not to Monaco's own bindings.
    editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.KeyP, () => {
      window.dispatchEvent(new CustomEvent("hearth:quick-open"));
    });
    editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.Backquote, () => {
      state().toggleTerminalPanel();
    });
    editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.Comma, () => {
      window.dispatchEvent(new CustomEvent(OPEN_SETTINGS_EVENT));
    });
    return () => {
      clearTimeout(viewTimer);
      keepViewState();
      for (const s of subscriptions) s.dispose();
      editor.setModel(null);
      editor.dispose();
      editorRef.current = null;
    };
    // The instance lives as long as the group; readOnly is fixed for a page.
  }, [ide, store, group]);

  useEffect(() => {
    editorRef.current?.updateOptions({ readOnly, domReadOnly: readOnly });
  }, [readOnly]);

  // Preferences apply as they change, here and in every other tab and device.
  useEffect(() => {
    monaco.editor.setTheme(monacoTheme(settings.theme));
    editorRef.current?.updateOptions(editorOptions(settings));
    models.setIndentation({ tabSize: settings.tabSize, insertSpaces: settings.insertSpaces });
  }, [settings, models]);

  // Show the group's active file with its view state.
  useEffect(() => {
    const editor = editorRef.current;
    if (!editor) return;
    const previous = shown.current;
    if (previous && previous !== path && editor.getModel()) {
      store
        .getState()
        .setViewState(previous, group, editor.saveViewState() as unknown as JsonValue);
    }
    shown.current = path;
    if (!path || unreadable) {
      editor.setModel(null);
      return;
    }
    const show = (model: monaco.editor.ITextModel) => {
      editor.setModel(model);
      const tab = store.getState().tabs.find((t) => t.path === path && t.group === group);
      if (tab?.viewState) editor.restoreViewState(tab.viewState as unknown as ViewState);
      if (store.getState().focusedGroup === group) takeFocus(editor);
      drawBreakpoints(decorations.current, store.getState().breakpoints, path);
    };
    const ready = models.peek(path);
    if (ready) {
      show(ready);
      return;
    }
    // Until the file has loaded the editor shows nothing: keys typed meanwhile must not
    // land in the file shown before.
    editor.setModel(null);
    setOpening(path);
    let cancelled = false;
    void models.get(path).then((model) => {
      if (cancelled || shown.current !== path || model.isDisposed()) return;
      show(model);
      setOpening(null);
    });
    return () => {
      cancelled = true;
    };
  }, [store, models, path, group, unreadable]);

  useEffect(() => {
    if (focused && path && editorRef.current) takeFocus(editorRef.current);
  }, [focused, path]);

  useEffect(() => {
    drawBreakpoints(decorations.current, breakpoints, path);
  }, [breakpoints, path]);

  return (
    <>
      <div ref={host} className="code-editor" />
      {opening !== null && opening === path && !unreadable ? (
        <p className="editor-empty editor-opening" role="status">
          Opening {opening.split("/").pop()}…
        </p>
      ) : null}
    </>
  );
}

function monacoTheme(theme: SettingValues["theme"]): string {
  return theme === "light" ? "vs" : theme === "highContrast" ? "hc-black" : "vs-dark";
}

function editorOptions(s: SettingValues): monaco.editor.IEditorOptions {
  return { fontSize: s.editorFontSize, wordWrap: s.wordWrap, minimap: { enabled: s.minimap } };
}

/**
 * Focuses the editor unless a dialog has the focus: a file that finishes loading after
 * Ctrl+P was pressed must not take the keys meant for quick open.
 */
function takeFocus(editor: MonacoEditor): void {
  if (document.activeElement?.closest("dialog[open]")) return;
  editor.focus();
}

/** The shown file's breakpoints, in the glyph margin. */
function drawBreakpoints(
  collection: monaco.editor.IEditorDecorationsCollection | null,
  breakpoints: Breakpoint[],
  path: string | null,
): void {
  collection?.set(
    breakpoints
      .filter((b) => b.path === path)
      .map((b) => ({
        range: new monaco.Range(b.line, 1, b.line, 1),
        options: {
          glyphMarginClassName: b.enabled ? "hearth-breakpoint" : "hearth-breakpoint-off",
          glyphMarginHoverMessage: { value: `Breakpoint, line ${b.line}` },
          stickiness: monaco.editor.TrackedRangeStickiness.NeverGrowsWhenTypingAtEdges,
        },
      })),
  );
}
