/** The environment variable that moves the store's home. */
export const HOME_ENV = 'PULSAR_AWS_LAB_HOME';
export const LATEST = 'latest';
export const AMI_CACHE_DIR = 'ami-cache';
/** Names in the home that are not experiments; user-chosen ids may not take them. */
export const RESERVED_NAMES: readonly string[] = [LATEST, AMI_CACHE_DIR];
