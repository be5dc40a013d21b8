import { describe } from "vitest";
import { MemoryBlobStore } from "./blob-store";
import { blobStoreSuite } from "./blob-store.suite";

describe("MemoryBlobStore", () => blobStoreSuite(async () => new MemoryBlobStore()));
