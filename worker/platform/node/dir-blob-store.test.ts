import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe } from "vitest";
import { blobStoreSuite } from "../../core/store/blob-store.suite";
import { DirBlobStore } from "./dir-blob-store";

describe("DirBlobStore", () => blobStoreSuite(async () => new DirBlobStore(mkdtempSync(join(tmpdir(), "blobs-")))));
