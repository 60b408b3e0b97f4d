"use client";
import { Group, Panel, Separator } from "react-resizable-panels";
import { useIde, useIdeState } from "../ide-context";
import type { EditorLayout } from "../state/types";
import { EditorGroup } from "./editor-group";

const LAYOUTS: { layout: EditorLayout; label: string }[] = [
  { layout: "single", label: "Single" },
  { layout: "split-horizontal", label: "Side by side" },
  { layout: "split-vertical", label: "Stacked" },
];

/** The editor area: one group, or two side by side or stacked. */
export function EditorArea() {
  const { store } = useIde();
  const layout = useIdeState((s) => s.layout);
  const split = useIdeState((s) => s.panels.split);
  return (
    <div className="editor-area" data-testid="editor">
      <div className="editor-toolbar" role="toolbar" aria-label="Editor layout">
        {LAYOUTS.map((l) => (
          <button
            key={l.layout}
            type="button"
            aria-pressed={layout === l.layout}
            onClick={() => store.getState().setLayout(l.layout)}
          >
            {l.label}
          </button>
        ))}
      </div>
      {layout === "single" ? (
        <EditorGroup group={0} />
      ) : (
        <Group
          key={layout}
          orientation={layout === "split-horizontal" ? "horizontal" : "vertical"}
          defaultLayout={{ "group-1": split, "group-2": 100 - split }}
          onLayoutChanged={(sizes) => {
            const first = sizes["group-1"];
            if (first !== undefined) store.getState().setPanels({ split: Math.round(first) });
          }}
          className="editor-split"
        >
          <Panel id="group-1" minSize="15">
            <EditorGroup group={0} />
          </Panel>
          <Separator className="separator" />
          <Panel id="group-2" minSize="15">
            <EditorGroup group={1} />
          </Panel>
        </Group>
      )}
    </div>
  );
}
