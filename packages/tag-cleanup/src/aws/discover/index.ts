import type { DiscoverRequest } from '../../cleanup.js';
import {
  type DiscoveryProblem,
  type DiscoveryResult,
  GLOBAL_REGION,
  type Resource,
  type ResourceType,
} from '../../model.js';
import { matchesSelector } from '../../select.js';
import type { AwsContext } from '../context.js';
import type { Lister } from './common.js';
import { COMPUTE_LISTERS } from './ec2-compute.js';
import { NETWORK_LISTERS } from './ec2-network.js';
import { IAM_TYPES, listIam } from './iam.js';
import { listImagesAndSnapshots } from './images.js';
import { failure } from './problems.js';
import { listBuckets } from './s3.js';

export { bucketRegion } from './s3.js';

const EC2_LISTERS = { ...COMPUTE_LISTERS, ...NETWORK_LISTERS };

/**
 * Lists the selected resources: EC2 types per region (in parallel, tag-filtered by the API and
 * checked again here), IAM and S3 once. A type that cannot be listed becomes a problem, never a
 * silent gap.
 */
export async function discoverAws(context: AwsContext, request: DiscoverRequest): Promise<DiscoveryResult> {
  const { selector, regions, types, signal } = request;
  const resources: Resource[] = [];
  const problems: DiscoveryProblem[] = [];
  const run = async (type: ResourceType, region: string, work: () => Promise<Resource[]>) => {
    try {
      resources.push(...(await work()));
    } catch (error) {
      if (signal?.aborted) throw error;
      problems.push(failure(type, region, error));
    }
  };
  const tasks: Array<Promise<void>> = [];
  for (const region of regions) {
    for (const [type, lister] of Object.entries(EC2_LISTERS) as Array<[ResourceType, Lister]>) {
      if (types.includes(type))
        tasks.push(run(type, region, () => lister(context, region, selector, signal)));
    }
    if (types.includes('image') || types.includes('snapshot')) {
      tasks.push(
        run(types.includes('image') ? 'image' : 'snapshot', region, () =>
          listImagesAndSnapshots(context, region, selector, types, request.includeImages === true, signal),
        ),
      );
    }
  }
  if (IAM_TYPES.some((type) => types.includes(type))) {
    tasks.push(
      listIam(context, selector, types, signal).then((answer) => {
        resources.push(...answer.resources);
        problems.push(...answer.problems);
      }),
    );
  }
  if (types.includes('bucket'))
    tasks.push(run('bucket', GLOBAL_REGION, () => listBuckets(context, selector, signal)));
  await Promise.all(tasks);
  return {
    resources: resources.filter((resource) => matchesSelector(resource.tags, selector)),
    problems,
  };
}
