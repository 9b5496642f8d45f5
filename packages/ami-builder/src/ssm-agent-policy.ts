/**
 * What the SSM agent on an instance needs, and nothing else: registering and reporting
 * (`ssm:UpdateInstanceInformation`, association polling), Run Command delivery (`ec2messages:*`
 * on the classic channel) and Session Manager channels (`ssmmessages:*Channel`, also the
 * agent's control channel). No Parameter Store (`ssm:GetParameter*`), no S3, no KMS. The same
 * actions are in terraform/modules/iam (a test keeps the two equal).
 */
export const SSM_AGENT_ACTIONS = {
  registration: ['ssm:ListAssociations', 'ssm:ListInstanceAssociations', 'ssm:UpdateInstanceInformation'],
  runCommand: [
    'ec2messages:AcknowledgeMessage',
    'ec2messages:DeleteMessage',
    'ec2messages:FailMessage',
    'ec2messages:GetEndpoint',
    'ec2messages:GetMessages',
    'ec2messages:SendReply',
  ],
  sessions: [
    'ssmmessages:CreateControlChannel',
    'ssmmessages:CreateDataChannel',
    'ssmmessages:OpenControlChannel',
    'ssmmessages:OpenDataChannel',
  ],
} as const;

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: unknown;
  NotAction?: unknown;
  NotResource?: unknown;
  Principal?: unknown;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

/** The policy document of `SSM_AGENT_ACTIONS`. */
export function ssmAgentPolicyDocument(): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'SsmAgentRegistration',
        Effect: 'Allow',
        Action: [...SSM_AGENT_ACTIONS.registration],
        Resource: '*',
      },
      {
        Sid: 'RunCommandDelivery',
        Effect: 'Allow',
        Action: [...SSM_AGENT_ACTIONS.runCommand],
        Resource: '*',
      },
      { Sid: 'SessionChannels', Effect: 'Allow', Action: [...SSM_AGENT_ACTIONS.sessions], Resource: '*' },
    ],
  };
}

/** Every action of the SSM agent policy, sorted. */
export function ssmAgentActions(): string[] {
  return Object.values(SSM_AGENT_ACTIONS).flat().sort();
}

/**
 * How `document` differs from granting exactly the SSM agent's actions on `*`: one line per
 * difference (an extra or missing action, a Deny, a condition, a resource other than `*`).
 * Empty when it grants exactly those.
 */
export function policyDifferences(document: unknown): string[] {
  const statements = (document as { Statement?: unknown } | null)?.Statement;
  const list = Array.isArray(statements) ? statements : statements === undefined ? [] : [statements];
  const problems: string[] = [];
  const granted = new Set<string>();
  for (const raw of list as PolicyStatement[]) {
    if (raw.Effect !== 'Allow') problems.push(`a statement with Effect ${String(raw.Effect)}`);
    for (const key of ['NotAction', 'NotResource', 'Principal', 'Condition'] as const) {
      if (raw[key] !== undefined) problems.push(`a statement with ${key}`);
    }
    const resources = Array.isArray(raw.Resource) ? raw.Resource : [raw.Resource];
    if (resources.some((resource) => resource !== '*')) {
      problems.push(`resources other than * (${resources.join(', ')})`);
    }
    for (const action of Array.isArray(raw.Action) ? raw.Action : [raw.Action]) {
      if (typeof action === 'string') granted.add(action);
    }
  }
  const expected = new Set(ssmAgentActions());
  for (const action of [...granted].sort()) {
    if (!expected.has(action)) problems.push(`the extra action ${action}`);
  }
  for (const action of expected) {
    if (!granted.has(action)) problems.push(`no ${action}`);
  }
  return problems;
}

/** A policy document as IAM returns it: URL-encoded JSON (or plain JSON from some emulators). */
export function parsePolicyDocument(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  const json = text.trimStart().startsWith('{') ? text : decodeURIComponent(text);
  return JSON.parse(json) as unknown;
}
