// Composition root: builds the guest, the registry and the guest network and wires them.
// The only file that knows all the parts; platforms give it files, a blob store and a seed.
import { serveHttp } from "./net/http1";
import { GuestNetwork, REGISTRY_PORT } from "./net/guest-network";
import { RegistryContent, type ContentEvents } from "./registry/content";
import { createRegistry } from "./registry/registry";
import type { SeedSource } from "./registry/seed";
import type { BlobStore } from "./store/blob-store";
import { GuestMachine } from "./vm/guest-machine";
import type { BootFiles } from "./vm/emulator";

export interface DockyardOptions {
  files: BootFiles;
  wasmPath: string;
  store: BlobStore;
  seed?: SeedSource;
  events?: ContentEvents;
  mtu?: number;
}

export interface Dockyard {
  vm: GuestMachine;
  content: RegistryContent;
}

/** The registry's name for `docker login` and `docker push`; it asks for a login to push. */
export const REGISTRY_HOST = "registry.local";

export function createDockyard(options: DockyardOptions): Dockyard {
  const vm = new GuestMachine({ files: options.files, wasmPath: options.wasmPath, mtu: options.mtu });
  const content = new RegistryContent(options.store, options.seed, options.events);
  const registry = createRegistry(content, { authHosts: [REGISTRY_HOST] });
  const net = new GuestNetwork(vm.emulator);
  net.listen(REGISTRY_PORT, (conn) => serveHttp(conn, registry, `http://${REGISTRY_HOST}:${REGISTRY_PORT}`));
  return { vm, content };
}
