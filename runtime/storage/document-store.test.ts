/** The document store conformance suite on every implementation this machine can run. */
import { randomBytes } from "node:crypto";
import { MongoClient } from "mongodb";
import { openStandalone } from "./database-registry.ts";
import { documentStoreConformance } from "../../test/storage/document-store.conformance.ts";
import { MongoDocumentStore } from "./mongo-document-store.ts";
import { openDocumentStore } from "./open-document-store.ts";
import { describe, expect, it } from "vitest";
import { PgDocumentStore } from "./pg-document-store.ts";
import { BACKENDS } from "../../test/storage/test-databases.ts";

describe.each(BACKENDS)("document store on $name (jsonb)", (backend) => {
	documentStoreConformance(async () => {
		const created = await backend.create();
		const db = await openStandalone(created.config);
		const store = await PgDocumentStore.open(db, "conformance");
		return {
			store,
			cleanup: async () => {
				await db.close();
				await created.drop();
			}
		};
	});
});

describe("openDocumentStore", () => {
	it("falls back to PostgreSQL jsonb on the node's shared database when MONGO_URL is unset", async () => {
		const database = { kind: "pglite", dataDir: undefined } as const;
		const store = await openDocumentStore({ mongoUrl: undefined, database, nodeID: "fallback-test" });
		try {
			expect(store.kind).toBe("postgres");
			const event = await store.appendAudit({ actor: "admin", action: "config.set", target: "etl.schedule" });
			expect((await store.findAudit({ target: "etl.schedule" })).map((e) => e.id)).toEqual([event.id]);
		} finally {
			await store.close();
		}
	});
});

const mongoUrl = process.env.MONGO_URL;

// No MongoDB server can be installed on the CI machines (docs/decisions/0002-storage.md); the suite runs wherever MONGO_URL points at one.
describe.skipIf(!mongoUrl)(`document store on MongoDB${mongoUrl ? "" : " (skipped: MONGO_URL is not set, no MongoDB server on this machine)"}`, () => {
	documentStoreConformance(async () => {
		const databaseName = `op_test_${randomBytes(6).toString("hex")}`;
		const store = await MongoDocumentStore.open(mongoUrl ?? "", { databaseName, appName: "conformance" });
		return {
			store,
			cleanup: async () => {
				await store.close();
				const admin = new MongoClient(mongoUrl ?? "");
				try {
					await admin.db(databaseName).dropDatabase();
				} finally {
					await admin.close();
				}
			}
		};
	});
});
