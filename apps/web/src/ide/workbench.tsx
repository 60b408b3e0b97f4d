"use client";
import { useEffect, useState } from "react";
import type { HearthClient } from "../lib/api-client";
import { errorSentence } from "../lib/errors";
import { authSession } from "../lib/session";
import { useTRPCClient } from "../lib/trpc";
import { Autosaver, resumeParts } from "./autosave/autosave";
import { bindToPage, indexedDbPending } from "./autosave/browser";
import { httpAutosaveTransport } from "./autosave/transport";
import { EditorModels } from "./editor/models";
import { createFileService } from "./file-tree/files";
import { IdeProvider, type IdeServices } from "./ide-context";
import { IdeLayout } from "./layout";
import { takeSessionLoad } from "./session-loader";
import { createIdeStore } from "./state/ide-store";
import { fromParts, sessionParts } from "./state/snapshot";
import type { WorkspaceSession } from "./state/types";

function signedInUserId(): string | null {
  const s = authSession().current;
  if (s.status !== "signed-in") return null;
  try {
    const payload = s.accessToken.split(".")[1] ?? "";
    const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
    return (JSON.parse(json) as { sub?: string }).sub ?? null;
  } catch {
    return null;
  }
}

function accessToken(): string | null {
  const s = authSession().current;
  return s.status === "signed-in" ? s.accessToken : null;
}

type Loaded = { ide: IdeServices; name: string } | { error: string } | null;

/**
 * The IDE page's root: one workspace.get restores everything (tabs, active tab, layout,
 * view states, unsaved text, breakpoints, watches, notes, panel sizes, terminals), any
 * text this browser could not send last time is merged in, and autosave starts.
 */
export function Workbench({ workspaceId }: { workspaceId: string }) {
  const client = useTRPCClient();
  const [loaded, setLoaded] = useState<Loaded>(null);

  useEffect(() => {
    let cancelled = false;
    let cleanup = () => {};
    void (async () => {
      const pendingStore = indexedDbPending();
      const load = takeSessionLoad(workspaceId);
      let session: WorkspaceSession;
      try {
        session = await load.session;
      } catch (error) {
        if (!cancelled) setLoaded({ error: errorSentence(error) });
        return;
      }
      const readOnly = session.userId !== signedInUserId();
      const pending = readOnly ? undefined : await load.pending;
      if (cancelled) return;
      const store = createIdeStore(workspaceId, readOnly);
      const resumed = resumeParts(session, pending, new Date());
      store.getState().replace(fromParts(resumed.parts));
      if (session.terminals) {
        store.getState().setTerminals(
          session.terminals.map((t) => ({ id: t.id, name: t.name })),
          session.terminals.find((t) => t.active)?.id ?? null,
        );
      }
      for (const copy of resumed.copies) {
        store
          .getState()
          .notify(
            `${copy.path} was changed elsewhere while this browser held unsent text; ` +
              `the other text is kept in ${copy.copyPath}.`,
          );
      }
      // A link to a file (the dashboard's recent files: /w/<id>?open=<path>) opens it.
      const open = new URLSearchParams(window.location.search).get("open");
      if (open) store.getState().openFile(open);
      const files = createFileService(client, workspaceId);
      const models = new EditorModels(store, files, load.files);
      let autosaver: Autosaver | null = null;
      let unbind = () => {};
      if (!readOnly) {
        const transport = httpAutosaveTransport({
          token: accessToken,
          refresh: () => authSession().renew(),
        });
        autosaver = new Autosaver(
          store,
          transport,
          pendingStore,
          sessionParts(session),
          session.rev,
        );
        autosaver.start(pending !== undefined);
        unbind = bindToPage(autosaver);
      }
      const saver = autosaver;
      cleanup = () => {
        unbind();
        saver?.flushOnExit();
        saver?.stop();
        models.disposeAll();
      };
      const ownerName = readOnly ? await ownerNameOf(client, session.userId) : null;
      if (cancelled) return;
      setLoaded({
        ide: {
          store,
          files,
          models,
          client,
          autosaver,
          ownerName,
        },
        name: session.name,
      });
    })();
    return () => {
      cancelled = true;
      cleanup();
    };
  }, [client, workspaceId]);

  if (loaded === null) {
    return (
      <p className="page-status" role="status">
        Opening the workspace…
      </p>
    );
  }
  if ("error" in loaded) {
    return (
      <main className="page-status">
        <p role="alert">{loaded.error}</p>
        <a href="/">Back to your workspaces</a>
      </main>
    );
  }
  return (
    <IdeProvider value={loaded.ide}>
      <Title name={loaded.name} />
      <IdeLayout name={loaded.name} />
    </IdeProvider>
  );
}

/** The owner of a session shared with the caller, as colleagues see them. */
async function ownerNameOf(client: HearthClient, userId: string): Promise<string | null> {
  try {
    const members = await client.tenant.members.query();
    const owner = members.find((m) => m.user.id === userId)?.user;
    return owner ? `${owner.firstName} ${owner.lastName}` : null;
  } catch {
    return null;
  }
}

function Title({ name }: { name: string }) {
  useEffect(() => {
    document.title = `${name} · Hearth`;
  }, [name]);
  return null;
}
