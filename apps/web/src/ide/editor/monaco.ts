// Monaco from the bundle, never a CDN: workers are small local entry files the bundler
// emits next to the app. Imported only by client components that load without SSR.
import * as monaco from "monaco-editor";

function worker(label: string): Worker {
  switch (label) {
    case "typescript":
    case "javascript":
      return new Worker(new URL("./workers/ts.worker.ts", import.meta.url), { type: "module" });
    case "json":
      return new Worker(new URL("./workers/json.worker.ts", import.meta.url), { type: "module" });
    case "css":
    case "scss":
    case "less":
      return new Worker(new URL("./workers/css.worker.ts", import.meta.url), { type: "module" });
    case "html":
    case "handlebars":
    case "razor":
      return new Worker(new URL("./workers/html.worker.ts", import.meta.url), { type: "module" });
    default:
      return new Worker(new URL("./workers/editor.worker.ts", import.meta.url), {
        type: "module",
      });
  }
}

self.MonacoEnvironment = { getWorker: (_id, label) => worker(label) };

export { monaco };
export type MonacoEditor = monaco.editor.IStandaloneCodeEditor;
export type ViewState = monaco.editor.ICodeEditorViewState;
