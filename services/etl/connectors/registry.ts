/** The connectors by source name, as `etl.run` and the CLI name them. */
import type { SourceName } from "../records/raw-document.ts";
import type { Connector } from "./connector.ts";
import { legisinfoConnector } from "./legisinfo.ts";
import { ocdDivisionsConnector } from "./ocd-divisions.ts";
import { openparliamentConnector, type OpenparliamentConfig } from "./openparliament.ts";
import { ourcommonsConnector, type OurcommonsConfig } from "./ourcommons.ts";

/** Connector settings per source; plain data, as they cross to the extraction worker. */
export interface ConnectorConfig {
	openparliament?: OpenparliamentConfig;
	ourcommons?: OurcommonsConfig;
}

export function createConnector(source: SourceName, config: ConnectorConfig = {}): Connector {
	switch (source) {
		case "ocd":
			return ocdDivisionsConnector();
		case "openparliament":
			return openparliamentConnector(config.openparliament);
		case "legisinfo":
			return legisinfoConnector();
		case "ourcommons":
			return ourcommonsConnector(config.ourcommons);
	}
}
