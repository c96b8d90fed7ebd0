/** Where the web service's routes live: the gateway's API prefix plus the service's `rest` base. */
export const API_PREFIX = "/api/v1";
