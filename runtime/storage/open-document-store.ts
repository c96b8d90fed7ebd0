/** Picks the document store a node uses: MongoDB when MONGO_URL is set, PostgreSQL jsonb otherwise. */
import type { Env } from "../env.ts";
import type { Database, DatabaseConfig } from "./database.ts";
import { databaseConfigFromEnv } from "./database-config.ts";
import { acquireDatabase, releaseDatabase } from "./database-registry.ts";
import type { DocumentStore } from "./document-store.ts";
import { PgDocumentStore } from "./pg-document-store.ts";

export interface DocumentStoreOptions {
	mongoUrl: string | undefined;
	/** The relational store to fall back on (shared with the node's services). */
	database: DatabaseConfig;
	/** The node id: application name on MongoDB, `applied_by` of the jsonb store's migrations. */
	nodeID: string;
}

export async function openDocumentStore(options: DocumentStoreOptions): Promise<DocumentStore> {
	if (options.mongoUrl) {
		// Imported only when used: the driver costs a node without MongoDB about 20 MB of RSS and start-up time.
		const { MongoDocumentStore } = await import("./mongo-document-store.ts");
		return MongoDocumentStore.open(options.mongoUrl, { appName: options.nodeID });
	}
	const db: Database = await acquireDatabase(options.database);
	try {
		return await PgDocumentStore.open(db, options.nodeID, () => releaseDatabase(options.database));
	} catch (err) {
		await releaseDatabase(options.database);
		throw err;
	}
}

/** The document store the environment names (MONGO_URL, else the node's relational store). */
export function openDocumentStoreFromEnv(env: Env, nodeID: string): Promise<DocumentStore> {
	return openDocumentStore({ mongoUrl: env.mongoUrl, database: databaseConfigFromEnv(env), nodeID });
}
