// "Resume my session": the user's whole machine (RAM, devices, disk writes) saved in IndexedDB,
// gzip-compressed, resumed on the next visit. Key tree, in the "dockyard-session" database:
//   meta              SessionMeta of the saved session (the one pointer; written last)
//   state/<savedAt>   its gzip bytes
// A save writes the new state under a new key and only then points `meta` at it, so a tab closed
// mid-save leaves the previous session whole; unreferenced states are dropped on the next open.
import { createStore, del, get, keys, set } from "idb-keyval";
import type { SavedMachine } from "../../core/dockyard";
import { sha256Digest } from "../../core/store/digest";
import { isQuotaError } from "./idb-blob-store";

const store = createStore("dockyard-session", "files");

export interface SessionMeta {
  /** the guest build (and snapshot) it ran on: a state resumes only into the same machine */
  build: string;
  savedAt: number;
  /** gzip bytes stored */
  bytes: number;
  sha256: string;
  onSnapshotDisk: boolean;
}

export class SessionTooBig extends Error {
  override name = "SessionTooBig";
}

async function pipe(bytes: ArrayBuffer | Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const body = new Blob([bytes as BlobPart]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(body).arrayBuffer());
}

export async function sessionInfo(): Promise<SessionMeta | undefined> {
  return get<SessionMeta>("meta", store);
}

/** The saved session for `build`, verified; undefined when there is none for this build. Drops leftovers. */
export async function loadSession(build: string): Promise<(SavedMachine & { meta: SessionMeta }) | undefined> {
  const meta = await sessionInfo();
  for (const k of (await keys(store)) as string[]) {
    if (k !== "meta" && k !== `state/${meta?.savedAt}`) await del(k, store); // an interrupted save's bytes
  }
  if (!meta || meta.build !== build) return undefined;
  const gz = await get<Uint8Array>(`state/${meta.savedAt}`, store);
  if (!gz || (await sha256Digest(gz)) !== meta.sha256) throw new Error("the saved session is damaged");
  const raw = await pipe(gz, new DecompressionStream("gzip"));
  return { state: raw.buffer as ArrayBuffer, onSnapshotDisk: meta.onSnapshotDisk, meta };
}

/** Saves `machine` as the session for `build`, replacing the previous one only once it is whole. */
export async function saveSession(build: string, machine: SavedMachine): Promise<SessionMeta> {
  const gz = await pipe(machine.state, new CompressionStream("gzip"));
  const meta: SessionMeta = { build, savedAt: Date.now(), bytes: gz.length, sha256: await sha256Digest(gz), onSnapshotDisk: machine.onSnapshotDisk };
  const old = await sessionInfo();
  try {
    await set(`state/${meta.savedAt}`, gz, store);
  } catch (err) {
    await del(`state/${meta.savedAt}`, store).catch(() => undefined);
    if (isQuotaError(err)) throw new SessionTooBig(`the browser's storage for this site has no room for ${(gz.length / 1e6).toFixed(0)} MB`, { cause: err });
    throw err;
  }
  await set("meta", meta, store);
  if (old) await del(`state/${old.savedAt}`, store);
  return meta;
}

export async function discardSession(): Promise<void> {
  for (const k of (await keys(store)) as string[]) await del(k, store);
}
