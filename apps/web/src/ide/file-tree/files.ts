import { TRPCClientError } from "@trpc/client";
import type { HearthClient } from "../../lib/api-client";

export interface TreeEntry {
  name: string;
  kind: "file" | "directory" | "symlink";
}

export interface ReadFile {
  /** null when the file is binary or too large to edit here (see unreadable). */
  content: string | null;
  mtimeMs: number;
  unreadable?: { reason: "binary" | "tooLarge"; size: number } | undefined;
}

/** The workspace's files through fs.*, as the file tree, editor and quick open use them. */
export interface WorkspaceFileService {
  list(path: string): Promise<TreeEntry[]>;
  /** null when the file does not exist. */
  read(path: string): Promise<ReadFile | null>;
  write(path: string, content: string, expectedMtimeMs?: number): Promise<{ mtimeMs: number }>;
  mkdir(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  remove(path: string): Promise<void>;
  search(query: string): Promise<string[]>;
  opened(path: string): void;
}

/** What fs.read answers, as the editor takes it. */
export interface FsReadAnswer {
  content: string | null;
  mtimeMs: number;
  size: number;
  binary: boolean;
  tooLarge: boolean;
}

export function readFileOf(file: FsReadAnswer): ReadFile {
  const reason = file.binary ? "binary" : file.tooLarge ? "tooLarge" : null;
  return {
    content: file.content,
    mtimeMs: file.mtimeMs,
    unreadable: reason ? { reason, size: file.size } : undefined,
  };
}

export function errorCode(error: unknown): string | undefined {
  if (!(error instanceof TRPCClientError)) return undefined;
  return (error.data as { code?: string } | undefined)?.code;
}

export function createFileService(client: HearthClient, workspaceId: string): WorkspaceFileService {
  return {
    async list(path) {
      const answer: unknown = await client.fs.list.query({ workspaceId, path });
      const entries = Array.isArray(answer) ? answer : (answer as { entries: TreeEntry[] }).entries;
      return (entries as TreeEntry[]).map((e) => ({ name: e.name, kind: e.kind }));
    },
    async read(path) {
      try {
        return readFileOf(await client.fs.read.query({ workspaceId, path }));
      } catch (error) {
        if (errorCode(error) === "NOT_FOUND") return null;
        throw error;
      }
    },
    async write(path, content, expectedMtimeMs) {
      const input: {
        workspaceId: string;
        path: string;
        content: string;
        expectedMtimeMs?: number;
      } = { workspaceId, path, content };
      if (expectedMtimeMs !== undefined) input.expectedMtimeMs = expectedMtimeMs;
      const written = await client.fs.write.mutate(input);
      return { mtimeMs: written.mtimeMs };
    },
    async mkdir(path) {
      await client.fs.mkdir.mutate({ workspaceId, path });
    },
    async rename(from, to) {
      await client.fs.rename.mutate({ workspaceId, from, to });
    },
    async remove(path) {
      await client.fs.delete.mutate({ workspaceId, path });
    },
    async search(query) {
      const answer: unknown = await client.fs.search.query({ workspaceId, query, limit: 50 });
      const hits = Array.isArray(answer) ? answer : (answer as { items: { path: string }[] }).items;
      return (hits as { path: string }[]).map((h) => h.path);
    },
    opened(path) {
      void client.fs.opened.mutate({ workspaceId, path }).catch(() => {});
    },
  };
}
