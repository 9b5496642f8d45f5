// Copies the repository's Terraform module (terraform/: the root module and modules/) into this
// package's terraform/, which ships it: an installed @lab/infra carries the module its variables
// and outputs describe, found with shippedTerraformDir(). What a local `terraform init`/`apply`
// leaves in a checkout (.terraform/, the lock file, state, variable files) and test files never
// ship. Run by `build` and before the tests.
//
//   node scripts/copy-terraform.mjs              # ../../terraform -> ./terraform
//   node scripts/copy-terraform.mjs FROM TO      # another source and destination (the tests)
import { cp, rm } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const [from, to] =
  process.argv.length === 4
    ? [resolve(process.argv[2]), resolve(process.argv[3])]
    : [
        fileURLToPath(new URL('../../../terraform', import.meta.url)),
        fileURLToPath(new URL('../terraform', import.meta.url)),
      ];

/** Working files of a local run, and tests: a hidden name, state, variable values, test suites. */
const LEFT_OUT = [
  /^\./, // .terraform/, .terraform.lock.hcl, .terraformrc
  /\.tfstate(\..*)?$/, // terraform.tfstate, terraform.tfstate.backup, *.tfstate.lock.info
  /^terraform\.tfstate\.d$/, // workspaces' state
  /\.tfvars(\.json)?$/, // variable values of one run
  /\.tfplan$|^tfplan$/, // saved plans
  /\.tftest\.hcl$|\.tftest\.json$/, // `terraform test` suites
  /^tests?$/, // their directory
  /^crash\.log$|^override\.tf(\.json)?$|_override\.tf(\.json)?$/,
];

await rm(to, { recursive: true, force: true });
await cp(from, to, {
  recursive: true,
  filter: (source) => source === from || !LEFT_OUT.some((pattern) => pattern.test(basename(source))),
});
