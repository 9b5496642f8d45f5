import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValidationError } from '@lab/core';
import { describe, expect, it } from 'vitest';
import { agentCommands, shellJoin, shellQuote } from '../src/index.js';
import { HOSTILE } from './support/hostile.js';

/** Runs `script` with `shell -c`, in a fresh directory, and returns stdout and what the directory holds afterwards. */
function run(shell: string, script: string, args: string[] = []) {
  const cwd = mkdtempSync(join(tmpdir(), 'quote-'));
  const result = spawnSync(shell, ['-c', script, 'test', ...args], { cwd, encoding: 'utf8' });
  return { stdout: result.stdout, stderr: result.stderr, status: result.status, files: readdirSync(cwd) };
}

describe('shellQuote', () => {
  it('leaves plain words alone and quotes everything else', () => {
    expect(shellQuote('ls')).toBe('ls');
    expect(shellQuote('/opt/pulsar/bin/pulsar-admin')).toBe('/opt/pulsar/bin/pulsar-admin');
    expect(shellQuote('--port=8080')).toBe("'--port=8080'");
    expect(shellQuote('')).toBe("''");
    expect(shellQuote("a'b")).toBe("'a'\\''b'");
  });

  it.each(['bash', 'sh'])('round-trips hostile strings byte for byte through %s', (shell) => {
    const script = `printf '%s\\0' ${HOSTILE.map(shellQuote).join(' ')}`;
    const { stdout, status, files } = run(shell, script);
    expect(status).toBe(0);
    expect(stdout.split('\0').slice(0, -1)).toEqual(HOSTILE);
    expect(files).toEqual([]);
  });

  it('round-trips random strings of awkward characters', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const alphabet = [...'\'"`$\\!*?~#&|;<>(){}[] \t\n\r=%@:,./-_aZ9ü€🚀\u0001\u001b'];
    const values = Array.from({ length: 300 }, () =>
      Array.from(
        { length: Math.floor(random() * 12) },
        () => alphabet[Math.floor(random() * alphabet.length)],
      ).join(''),
    );
    const { stdout, files } = run('bash', `printf '%s\\0' ${shellJoin(values)}`);
    expect(stdout.split('\0').slice(0, -1)).toEqual(values);
    expect(files).toEqual([]);
  });

  it('refuses NUL bytes, which no shell word can carry', () => {
    expect(() => shellQuote('a\0b')).toThrow(ValidationError);
  });
});

describe('agentCommands', () => {
  it('runs the script with bash even when the agent uses dash', () => {
    const commands = agentCommands('[[ -n "$BASH_VERSION" ]] && echo "bash as $0"');
    const { stdout, status } = run('sh', commands.join('\n'));
    expect(status).toBe(0);
    expect(stdout).toBe('bash as lab-ssm-runner\n');
  });

  it('keeps the exit status and both streams', () => {
    const { stdout, stderr, status } = run('sh', agentCommands('echo out; echo err >&2; exit 7').join('\n'));
    expect([stdout, stderr, status]).toEqual(['out\n', 'err\n', 7]);
  });

  it('hides {{ from SSM parameter substitution by sending such scripts base64-encoded', () => {
    const script = `printf '%s' ${shellQuote('{{ssm:/lab/secret}} and {{ commands }}')}`;
    const commands = agentCommands(script);
    expect(commands.join('\n')).not.toContain('{{');
    const { stdout } = run('sh', commands.join('\n'));
    expect(stdout).toBe('{{ssm:/lab/secret}} and {{ commands }}');
  });

  it('passes hostile strings through the whole agent path', () => {
    const script = `printf '%s\\0' ${shellJoin(HOSTILE)}`;
    const { stdout, files } = run('sh', agentCommands(script).join('\n'));
    expect(stdout.split('\0').slice(0, -1)).toEqual(HOSTILE);
    expect(files).toEqual([]);
  });
});
