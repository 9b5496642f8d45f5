import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const REPO_ROOT = join(PACKAGE_DIR, '..', '..');
export const TERRAFORM_DIR = join(REPO_ROOT, 'terraform');
export const BOOTSTRAP = join(REPO_ROOT, 'packer', 'files', 'lab', 'bin', 'lab-bootstrap');
export const PULSAR_CONF_FIXTURES = join(PACKAGE_DIR, 'fixtures', 'pulsar-conf');
export const PACKER_DIR = join(REPO_ROOT, 'packer');
export const PACKER_TEMPLATE = join(PACKER_DIR, 'pulsar-base.pkr.hcl');
export const DATA_DIR = join(PACKAGE_DIR, 'data');
