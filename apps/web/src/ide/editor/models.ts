import type { ReadFile, WorkspaceFileService } from "../file-tree/files";
import type { IdeStore } from "../state/ide-store";

type TextModel = import("monaco-editor").editor.ITextModel;

/**
 * One Monaco model per open file, shared by both editor groups (as VS Code shares them).
 * A model's text is the file's unsaved text when there is some, else the disk's; edits go
 * to the store, and text the store gets from elsewhere (a merge, a reload from disk)
 * goes into the model.
 */
export class EditorModels {
  private readonly models = new Map<string, Promise<TextModel>>();
  /** Models already created, for showing one without waiting a turn. */
  private readonly created = new Map<string, TextModel>();
  /** The text each model last reported, so the store's own echo is not applied back. */
  private readonly lastText = new Map<string, string>();
  private readonly unsubscribe: () => void;
  /** The person's indentation settings, which every model uses. */
  private indentation: { tabSize: number; insertSpaces: boolean } | null = null;

  constructor(
    private readonly store: IdeStore,
    private readonly files: WorkspaceFileService,
    /** Reads already under way (started with the session's load), used once each. */
    private readonly prefetched: Map<string, Promise<ReadFile | null>> = new Map(),
  ) {
    this.unsubscribe = store.subscribe((state, prev) => {
      if (state.buffers === prev.buffers && state.files === prev.files) return;
      for (const [path, pending] of this.models) {
        const text = state.buffers[path] ?? state.files[path]?.content;
        if (text === undefined || text === this.lastText.get(path)) continue;
        void pending.then((model) => {
          if (model.isDisposed() || model.getValue() === text) return;
          this.lastText.set(path, text);
          model.pushEditOperations([], [{ range: model.getFullModelRange(), text }], () => null);
        });
      }
      // Models of files no tab shows any more are disposed.
      const open = new Set(state.tabs.map((t) => t.path));
      for (const path of [...this.models.keys()]) {
        if (!open.has(path)) this.dispose(path);
      }
    });
  }

  /** The model for `path`, created on first use. */
  get(path: string): Promise<TextModel> {
    let model = this.models.get(path);
    if (!model) {
      model = this.create(path);
      this.models.set(path, model);
      void model.then((m) => {
        if (this.models.get(path) === model) this.created.set(path, m);
      });
    }
    return model;
  }

  /** The model for `path` if it has been created, else undefined. */
  peek(path: string): TextModel | undefined {
    const model = this.created.get(path);
    return model && !model.isDisposed() ? model : undefined;
  }

  private async create(path: string): Promise<TextModel> {
    const store = this.store;
    const unsaved = store.getState().buffers[path];
    let text = unsaved;
    if (text === undefined) {
      const file = await this.readInto(path);
      text = store.getState().buffers[path] ?? file?.content ?? "";
    } else {
      // Unsaved text shows at once; the disk's copy (for its mtime) follows.
      void this.readInto(path);
    }
    // Monaco is its own chunk: the rest of the IDE (the terminal) shows while it loads.
    const { monaco } = await import("./monaco");
    const state = store.getState();
    const language = state.tabs.find((t) => t.path === path)?.language ?? "plaintext";
    const model = monaco.editor.createModel(text, language, monaco.Uri.file(`/${path}`));
    if (this.indentation) model.updateOptions(this.indentation);
    this.lastText.set(path, text);
    model.onDidChangeContent(() => {
      const value = model.getValue();
      this.lastText.set(path, value);
      store.getState().setText(path, value);
    });
    return model;
  }

  /** Tab size and spaces-or-tabs for every open file and those opened later. */
  setIndentation(indentation: { tabSize: number; insertSpaces: boolean }): void {
    this.indentation = indentation;
    for (const pending of this.models.values()) {
      void pending.then((model) => {
        if (!model.isDisposed()) model.updateOptions(indentation);
      });
    }
  }

  private async readInto(path: string) {
    try {
      const early = this.prefetched.get(path);
      this.prefetched.delete(path);
      const file = await (early ?? this.files.read(path));
      if (file?.content != null) {
        this.store.getState().fileRead(path, { content: file.content, mtimeMs: file.mtimeMs });
      } else if (file?.unreadable) {
        this.store.getState().fileUnreadable(path, { ...file.unreadable, mtimeMs: file.mtimeMs });
      }
      return file;
    } catch {
      return null;
    }
  }

  private dispose(path: string): void {
    const model = this.models.get(path);
    this.models.delete(path);
    this.created.delete(path);
    this.lastText.delete(path);
    void model?.then((m) => m.dispose());
  }

  disposeAll(): void {
    this.unsubscribe();
    for (const path of [...this.models.keys()]) this.dispose(path);
  }
}
