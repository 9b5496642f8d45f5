import { fileURLToPath } from 'node:url';

/**
 * The absolute path of the lab's Terraform module as this package ships it: the repository's
 * `terraform/` (root module and `modules/`), copied into the package at build time and found
 * next to the module file, so an installed package has it wherever it lives. Run `terraform init`
 * and `apply` with it as `-chdir` and the experiment's own state and variables files.
 */
export function shippedTerraformDir(): string {
  return fileURLToPath(new URL('../terraform', import.meta.url));
}
