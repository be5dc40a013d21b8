// Composition root: builds the guest, the registry and the guest network and wires them.
// The only file that knows all the parts; platforms give it files, a blob store and a seed.
import { exchange, type HttpRequestData, type HttpResponseData } from "./net/http-client";
import { serveHttp, type FetchHandler } from "./net/http1";
import { GuestNetwork, REGISTRY_PORT } from "./net/guest-network";
import { outboundHttp, OUTBOUND_HTTP_PORT, type MirrorFiles } from "./net/outbound-http";
import { watchPorts, type GuestPort } from "./net/port-watch";
import { RegistryContent, type ContentEvents } from "./registry/content";
import { createRegistry, type RegistryHandler } from "./registry/registry";
import type { SeedSource } from "./registry/seed";
import type { BlobStore } from "./store/blob-store";
import { GuestMachine } from "./vm/guest-machine";
import type { BootFiles, MachineFiles } from "./vm/emulator";
import { ChunkedDisk, type ChunkSource } from "./vm/chunked-disk";
import { BOOT_FILES, type DiskTable, type GuestFile, type GuestManifest } from "./vm/guest-manifest";

/**
 * Warm chunks fetched at once (DiskTable.warm): a few, so that a read the guest waits on still
 * finds a free connection (browsers open 6 per host over HTTP/1.1) beside the offline copy's 2.
 */
const WARM_PARALLEL = 3;

/** Where a platform gets the guest build's files from (manifestGuestSource makes one). */
export interface GuestSource {
  /**
   * A fresh lazily read disk: a new disk per machine, since a disk keeps its machine's writes.
   * `resuming`: the disk as the snapshot left it, else the disk a cold boot starts from.
   */
  machineFiles(resuming: boolean): Promise<MachineFiles>;
  /** What a cold boot needs on top; not fetched when a snapshot resumes. */
  bootFiles(): Promise<Omit<BootFiles, keyof MachineFiles>>;
  /** The build's booted-state snapshot, verified, or undefined when the build has none. */
  snapshot(): Promise<ArrayBuffer | undefined>;
}

/**
 * The GuestSource of a build's manifest, from a platform's two readers: `file` returns a named
 * file checked against its manifest entry, `chunks` reads a disk table's chunks. `onDisk` sees
 * each machine's disk (figures).
 */
export function manifestGuestSource(
  manifest: GuestManifest,
  file: (name: string, entry: GuestFile | undefined) => Promise<ArrayBuffer>,
  chunks: (table: DiskTable) => ChunkSource,
  onDisk: (disk: ChunkedDisk) => void = () => undefined,
): GuestSource {
  const bootFile = (name: string) => file(name, manifest.files[name]);
  return {
    async machineFiles(resuming) {
      const table = (resuming && manifest.snapshot?.disk) || manifest.disk;
      const disk = new ChunkedDisk(chunks(table));
      if (table.warm) void disk.prefetch(table.warm, WARM_PARALLEL);
      onDisk(disk);
      return { disk };
    },
    async bootFiles() {
      const [bios, vgaBios, kernel, initrd] = await Promise.all([
        bootFile(BOOT_FILES.bios),
        bootFile(BOOT_FILES.vgaBios),
        bootFile(BOOT_FILES.kernel),
        bootFile(BOOT_FILES.initrd),
      ]);
      return { bios, vgaBios, kernel, initrd, cmdline: manifest.cmdline };
    },
    async snapshot() {
      const s = manifest.snapshot;
      return s ? file(s.file, s) : undefined;
    },
  };
}

export interface DockyardOptions {
  guest: GuestSource;
  wasmPath: string;
  store: BlobStore;
  seed?: SeedSource;
  events?: ContentEvents;
  mtu?: number;
  /** v86's JIT hotness threshold (emulator.ts: EmulatorOptions) */
  jitThreshold?: number;
  /** the threshold while a resumed machine waits for its first command (guest-machine.ts) */
  warmupJitThreshold?: number;
  /** The site's partial Debian mirror (images/deb-mirror), which apt in containers reaches as deb.debian.org. */
  debianMirror?: MirrorFiles;
  /** false: boot cold even when the build has a snapshot (default true) */
  resume?: boolean;
  /** A machine saved earlier (Dockyard.save) to resume before the build's snapshot. */
  session?: SavedMachine;
  /** The saved machine could not be used (the reason); the build's snapshot follows. */
  onSessionLost?: (reason: string) => void;
  /** Called with each machine as it is made, before it runs: attach console and stage listeners here. */
  onMachine?: (vm: GuestMachine) => void;
  /** The snapshot could not be used (the reason); a cold boot follows. */
  onColdBoot?: (reason: string) => void;
  /** The ports the guest listens on, each time the list changes. */
  onPorts?: (ports: GuestPort[]) => void;
}

/** A whole running machine (RAM, devices, its disk writes), and which disk those writes lie over. */
export interface SavedMachine {
  state: ArrayBuffer;
  /** true: the snapshot's disk (the machine came from the build's snapshot); false: the cold-boot disk */
  onSnapshotDisk: boolean;
}

export interface Dockyard {
  /** Docker-ready when resumed from a snapshot; still booting after a cold start. */
  vm: GuestMachine;
  content: RegistryContent;
  /** true when the machine came from a saved state (the build's snapshot or a session), not a boot */
  resumed: boolean;
  /** true when the machine is a saved session resumed (options.session) */
  fromSession: boolean;
  /** One HTTP exchange with a port the guest listens on (the preview's requests). */
  fetchFromGuest(port: number, req: HttpRequestData): Promise<HttpResponseData>;
  /** The whole machine as it runs now, to resume later (options.session). */
  save(): Promise<SavedMachine>;
}

/** The registry's name for `docker login` and `docker push`; it asks for a login to push. */
export const REGISTRY_HOST = "registry.local";
/**
 * Docker Hub's names, which the guest sends to this registry through its own TLS front
 * (images/vm: socat on 127.0.0.1:443): `docker login`, `docker push me/app`, `docker search`.
 */
export const HUB_HOSTS = ["registry-1.docker.io", "index.docker.io"];

/** What the guest reaches on the network (the registry, the port reports, Debian's mirror), and how we reach it. */
function attachNetwork(vm: GuestMachine, registry: RegistryHandler, outbound: FetchHandler, onPorts?: (ports: GuestPort[]) => void): GuestNetwork {
  const net = new GuestNetwork(vm.emulator);
  net.listen(REGISTRY_PORT, (conn) => serveHttp(conn, registry, `http://${REGISTRY_HOST}:${REGISTRY_PORT}`));
  // (a request without a Host header names no site: it is answered as one outside the mirror)
  net.listen(OUTBOUND_HTTP_PORT, (conn) => serveHttp(conn, outbound, "http://no-host"));
  watchPorts(net, onPorts ?? (() => undefined)); // listened to even when unused: the guest retries until taken
  return net;
}

/**
 * Resumes a saved session when given, else the build's snapshot when there is one, and boots cold
 * when neither resumes (damaged, from another build, no answer): the user gets a playground either way.
 */
export async function startDockyard(options: DockyardOptions): Promise<Dockyard> {
  const content = new RegistryContent(options.store, options.seed, options.events);
  const registry = createRegistry(content, { authHosts: [REGISTRY_HOST, ...HUB_HOSTS], httpsHosts: HUB_HOSTS });
  const outbound = outboundHttp(options.debianMirror);
  const { wasmPath, mtu, jitThreshold, warmupJitThreshold } = options;
  const emulatorOptions = { wasmPath, mtu, jitThreshold, warmupJitThreshold };
  const machine = (vm: GuestMachine): { vm: GuestMachine; net: GuestNetwork } => {
    const net = attachNetwork(vm, registry, outbound, options.onPorts);
    options.onMachine?.(vm);
    return { vm, net };
  };
  const done = ({ vm, net }: { vm: GuestMachine; net: GuestNetwork }, resumed: boolean, onSnapshotDisk: boolean): Dockyard => {
    return {
      vm,
      content,
      resumed,
      fromSession: false,
      fetchFromGuest: async (port, req) => exchange(await net.connect(port), req, `localhost:${port}`),
      save: async () => ({ state: await vm.emulator.save(), onSnapshotDisk }),
    };
  };

  /** A machine from a saved state, Docker-ready; throws when the state does not resume. */
  const resume = async (snapshot: ArrayBuffer, onSnapshotDisk: boolean): Promise<Dockyard> => {
    const files = await options.guest.machineFiles(onSnapshotDisk);
    const m = machine(new GuestMachine({ files, snapshot, ...emulatorOptions }));
    try {
      await m.vm.waitFor("docker-ready", 10 * 60 * 1000); // the thaw times out well before this
      return done(m, true, onSnapshotDisk);
    } catch (err) {
      await m.vm.destroy().catch(() => undefined);
      throw err;
    }
  };
  const why = (err: unknown) => (err instanceof Error ? err.message : String(err));

  if (options.session) {
    try {
      const d = await resume(options.session.state, options.session.onSnapshotDisk);
      return { ...d, fromSession: true };
    } catch (err) {
      options.onSessionLost?.(why(err));
    }
  }
  if (options.resume !== false) {
    let reason = "";
    try {
      const snapshot = await options.guest.snapshot();
      if (snapshot) return await resume(snapshot, true);
    } catch (err) {
      reason = why(err);
    }
    if (reason) options.onColdBoot?.(reason);
  }
  const [files, boot] = await Promise.all([options.guest.machineFiles(false), options.guest.bootFiles()]);
  return done(machine(new GuestMachine({ files: { ...files, ...boot }, ...emulatorOptions })), false, false);
}
