import { fileURLToPath } from 'node:url';

/** The OMB commit the image is built from unless another is asked for. */
export const DEFAULT_OMB_COMMIT = '00502be586da8fae3b356db3fc7ea65be1f45cba';
export const DEFAULT_PULSAR_VERSION = '4.0.4';
export const DEFAULT_JAVA_VERSION = '21';

/**
 * The lab's `packer/` directory as this package ships it: the template, the provisioning
 * scripts (which the local target runs too) and the on-instance files.
 */
export const PACKER_DIR = fileURLToPath(new URL('../packer', import.meta.url));

/** A Pulsar release version as the image is tagged and Apache publishes it, e.g. `4.0.4`. */
export const PULSAR_VERSION_PATTERN = /^\d+\.\d+\.\d+$/;

/** A full OMB git commit id: 40 lowercase hex digits. */
export const OMB_COMMIT_PATTERN = /^[0-9a-f]{40}$/;
