/**
 * `DocumentStoreMixin({...})` gives a service the document store (runtime/storage/document-store.ts:
 * MongoDB when MONGO_URL is set, PostgreSQL jsonb otherwise) as `this.documents`, with a health
 * check. List it after `DbMixin`: it opens once the database is ready, in the background and for as
 * long as that takes, so a node starts while its stores are away; `this.documentsOpened` settles
 * when it has opened (or failed to, which is logged and leaves `this.documents` undefined). The
 * service's own `stopped` runs before this mixin's (Moleculer stops in reverse order), so work the
 * service winds down there may still write documents; then the store closes.
 */
import type { Service, ServiceSchema } from "moleculer";
import { type Env, loadEnv } from "../runtime/env.ts";
import type { DatabaseConfig } from "../runtime/storage/database.ts";
import { databaseConfigFromEnv } from "../runtime/storage/database-config.ts";
import type { DocumentStore } from "../runtime/storage/document-store.ts";
import { openDocumentStore } from "../runtime/storage/open-document-store.ts";
import type { DbService } from "./db.mixin.ts";
import { addHealthCheck } from "./health.mixin.ts";

export interface DocumentStoreVars {
	documents: DocumentStore | undefined;
	/** Settles when the document store has opened, or failed to; work that needs it waits for it. */
	documentsOpened: Promise<void>;
}

export interface DocumentStoreMixinOptions {
	env?: Env;
	/** The relational store the jsonb store lives in; by default the one the variables name. */
	database?: DatabaseConfig;
	/** The health check's name, as /readyz and `health` show it; false for a service that serves without the store. */
	healthCheck?: string | false;
	/** What the store is for, in the warning logged when it cannot open ("Audit log"). */
	purpose?: string;
}

const PING_TIMEOUT_MS = 1_500;

export function DocumentStoreMixin(options: DocumentStoreMixinOptions = {}): Partial<ServiceSchema> {
	const purpose = options.purpose ?? "Document store";
	return {
		created(this: Service & Partial<DocumentStoreVars>): void {
			this.documents = undefined;
			this.documentsOpened = Promise.resolve();
			if (options.healthCheck === false) return;
			addHealthCheck(this, options.healthCheck ?? "documents", async () => {
				if (!this.documents) throw new Error("document store not open yet");
				await this.documents.ping(PING_TIMEOUT_MS);
				return this.documents.kind;
			});
		},

		// Partial: Moleculer's schema type cannot know what DbMixin and `created` have added by now.
		started(this: Service & Partial<DocumentStoreVars & DbService>): Promise<void> {
			if (!this.dbReady) throw new Error(`${this.name}: DocumentStoreMixin needs DbMixin listed before it`);
			const env = options.env ?? loadEnv();
			// Unbounded on purpose: this background step waits for however long the database is away.
			this.documentsOpened = this.dbReady(Number.POSITIVE_INFINITY)
				.then(async () => {
					this.documents = await openDocumentStore({ mongoUrl: env.mongoUrl, database: options.database ?? databaseConfigFromEnv(env), nodeID: this.broker.nodeID });
				})
				.catch((err: unknown) => this.logger.warn(`${purpose} unavailable: ${err instanceof Error ? err.message : String(err)}`));
			return Promise.resolve();
		},

		async stopped(this: Service & Partial<DocumentStoreVars>): Promise<void> {
			await this.documentsOpened;
			await this.documents?.close();
			this.documents = undefined;
		}
	};
}
