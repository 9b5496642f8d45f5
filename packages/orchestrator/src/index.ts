export { type ProcessRequest, type ProcessResult, type ProcessRunner, spawnProcess } from './process.js';
export {
  createTerraform,
  type Terraform,
  TerraformError,
  type TerraformOptions,
  type TerraformPaths,
  terraformPaths,
} from './terraform.js';
