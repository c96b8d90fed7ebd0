/**
 * How many live replicas of a service the cluster should have. One for every service until the
 * deployment service supplies the wanted topology: it replaces this function's source, not its callers.
 */
export type WantedReplicas = (service: string) => number;

export const DEFAULT_WANTED_REPLICAS = 1;

export const wantedReplicas: WantedReplicas = () => DEFAULT_WANTED_REPLICAS;
