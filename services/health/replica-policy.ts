/**
 * How many live replicas of a service the cluster should have. The health service takes the counts
 * from the deployment service's wanted topology (wanted-topology.ts); a service it does not name,
 * or every service while no deployment node has answered, wants one.
 */
export type WantedReplicas = (service: string) => number;

export const DEFAULT_WANTED_REPLICAS = 1;
