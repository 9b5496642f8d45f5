// How fast the build driver reads Packer's machine-readable stream: a long build prints tens of
// thousands of lines, and parsing must never be what slows the progress display down.
import { interpretPackerLine, parsePackerLine } from '../src/index.js';

const sample = [
  '1767225600,,ui,say,==> pulsar-base.amazon-ebs.pulsar: Launching a source AWS instance...',
  '1767225600,,ui,message,    pulsar-base.amazon-ebs.pulsar: [INFO] Downloading from central: https://repo.maven.apache.org/maven2/org/apache/pulsar/pulsar-client/4.0.4/pulsar-client-4.0.4.pom',
  '1767225600,,ui,message,    pulsar-base.amazon-ebs.pulsar: install-pulsar: SHA-512 verified%!(PACKER_COMMA) extracting\\n',
  '1767225600,pulsar-base.amazon-ebs.pulsar,artifact,0,id,us-east-1:ami-0123456789abcdef0',
];
const lines = Array.from({ length: 200_000 }, (_, index) => sample[index % sample.length]!);

for (let round = 0; round < 2; round += 1) {
  const started = performance.now();
  let parsed = 0;
  for (const raw of lines) {
    const line = parsePackerLine(raw);
    if (line !== undefined && interpretPackerLine(line).kind !== 'other') parsed += 1;
  }
  const ms = performance.now() - started;
  if (round === 1) {
    console.log(
      `parsed ${parsed} lines in ${ms.toFixed(1)} ms: ${Math.round(lines.length / (ms / 1000)).toLocaleString('en-US')} lines/s`,
    );
  }
}
