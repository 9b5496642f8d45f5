// An AWS endpoint for the real lab-orchestrate process: moto behind a small HTTP front that
// adds what moto lacks — Systems Manager Run Command, answered by the simulated fleet of
// @lab/ssm-runner's tests (it really runs the scripts, each instance in its own root), and
// DescribePlacementGroups (moto 5.2.1 answers it with an HTML 500; nothing here creates one,
// so the true answer is an empty list). Everything else goes to moto as it is.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as ssmCommands from '@aws-sdk/client-ssm';
import { simulatedAgent } from '@lab/test-support/sim-agent';

export interface FrontOptions {
  /** moto's URL. */
  moto: string;
  /** Where the simulated instances live (`<root>/<instance id>/…`). */
  root: string;
  /** The file the cluster's instances are read from (`[{ id, role }]`), once SSM is first asked. */
  instancesFile: string;
  /** Extra environment of the scripts the simulated instances run. */
  env?: (instanceId: string) => Record<string, string>;
  /** Prepares a simulated instance's files (probe, cluster document, OMB stand-in). */
  prepare: (instanceRoot: string, instance: { id: string; role: string }) => void;
}

export interface Front {
  url: string;
  /** SSM commands sent so far (script text). */
  commands(): string[];
  close(): Promise<void>;
}

type Agent = ReturnType<typeof simulatedAgent>;

const read = (message: IncomingMessage) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    message.on('data', (chunk: Buffer) => chunks.push(chunk));
    message.on('end', () => resolve(Buffer.concat(chunks)));
    message.on('error', reject);
  });

/** SSM's JSON protocol: timestamps are epoch seconds (the replacer sees a Date before toJSON). */
const toJson = (value: unknown) =>
  JSON.stringify(value, function (this: Record<string, unknown>, key: string, item: unknown) {
    const original = this[key];
    return original instanceof Date ? original.getTime() / 1000 : item;
  });

const EMPTY_PLACEMENT_GROUPS =
  '<?xml version="1.0" encoding="UTF-8"?>\n<DescribePlacementGroupsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>front</requestId><placementGroupSet/></DescribePlacementGroupsResponse>';

export async function startFront(options: FrontOptions): Promise<Front> {
  let agent: Agent | undefined;
  const agentNow = (): Agent => {
    if (agent !== undefined) return agent;
    const instances = JSON.parse(readFileSync(options.instancesFile, 'utf8')) as Array<{
      id: string;
      role: string;
    }>;
    agent = simulatedAgent({
      root: options.root,
      instanceIds: instances.map((instance) => instance.id),
      clock: { now: () => Date.now() },
      latencyMs: () => 100,
      ...(options.env === undefined ? {} : { env: options.env }),
    });
    for (const instance of instances) options.prepare(agent.instanceRoot(instance.id), instance);
    return agent;
  };

  const answerSsm = async (target: string, body: Buffer) => {
    const operation = target.slice('AmazonSSM.'.length);
    const Command = (ssmCommands as unknown as Record<string, new (input: unknown) => unknown>)[
      `${operation}Command`
    ];
    if (Command === undefined) {
      return { status: 400, body: toJson({ __type: 'UnknownOperationException', message: operation }) };
    }
    try {
      // biome-ignore lint/suspicious/noExplicitAny: commands are looked up by name
      const output = await agentNow().ssm.send(new Command(JSON.parse(body.toString('utf8') || '{}')) as any);
      const { $metadata: _metadata, ...rest } = output as unknown as Record<string, unknown>;
      return { status: 200, body: toJson(rest) };
    } catch (error) {
      const failure = error as { name?: string; message?: string };
      return {
        status: 400,
        body: toJson({ __type: failure.name ?? 'InternalError', message: failure.message }),
      };
    }
  };

  const proxy = (incoming: IncomingMessage, body: Buffer) =>
    new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>(
      (resolve, reject) => {
        const url = new URL(incoming.url ?? '/', options.moto);
        const outgoing = request(
          url,
          { method: incoming.method, headers: { ...incoming.headers, host: url.host } },
          (answer) => {
            void read(answer).then(
              (data) => resolve({ status: answer.statusCode ?? 500, headers: answer.headers, body: data }),
              reject,
            );
          },
        );
        outgoing.on('error', reject);
        outgoing.end(body);
      },
    );

  const server: Server = createServer((incoming, outgoing) => {
    void (async () => {
      const body = await read(incoming);
      const target = String(incoming.headers['x-amz-target'] ?? '');
      if (target.startsWith('AmazonSSM.')) {
        const answer = await answerSsm(target, body);
        outgoing.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.1' });
        outgoing.end(answer.body);
        return;
      }
      if (/(^|&)Action=DescribePlacementGroups(&|$)/.test(body.toString('utf8'))) {
        outgoing.writeHead(200, { 'content-type': 'text/xml' });
        outgoing.end(EMPTY_PLACEMENT_GROUPS);
        return;
      }
      const answer = await proxy(incoming, body);
      const headers = { ...answer.headers };
      delete headers['transfer-encoding'];
      headers['content-length'] = String(answer.body.length);
      outgoing.writeHead(answer.status, headers);
      outgoing.end(answer.body);
    })().catch((error: unknown) => {
      outgoing.writeHead(500, { 'content-type': 'text/plain' });
      outgoing.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    commands: () => (agent === undefined ? [] : agent.commands().map((command) => command.script)),
    close: async () => {
      await agent?.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
