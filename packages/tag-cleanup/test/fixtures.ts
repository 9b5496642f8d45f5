import type { Resource, ResourceType } from '../src/index.js';

export const EXP = 'exp-20260101-000001';
export const labTags = (experimentId = EXP) => ({ Project: 'pulsar-aws-lab', ExperimentID: experimentId });

export function resource(type: ResourceType, id: string, extra: Partial<Resource> = {}): Resource {
  return { type, id, region: 'us-east-1', tags: labTags(), state: 'present', ...extra };
}
