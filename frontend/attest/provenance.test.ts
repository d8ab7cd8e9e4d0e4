import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { provenancePredicate, type ProvenanceInput } from './provenance.js';
import { imagePurl } from './purl.js';
import { imageSubjects, statement } from './statement.js';
import { sha256 } from '../../util/digest.js';

const test = suite('provenance predicate');

const base: ProvenanceInput = {
  mode: 'max',
  filename: 'Dockerfile',
  buildArgs: { VERSION: '1.2', UNSET: undefined },
  labels: { 'org.opencontainers.image.source': 'https://example.com/app' },
  target: 'release',
  noCache: false,
  materials: [
    { ref: 'docker.io/library/alpine:3.20', digest: sha256('alpine'), platform: { os: 'linux', architecture: 'amd64' } },
    { ref: 'docker.io/library/alpine:3.20', digest: sha256('alpine'), platform: { os: 'linux', architecture: 'amd64' } },
  ],
  builderPlatform: { os: 'linux', architecture: 'amd64' },
  secrets: [{ id: 'npmrc', optional: false }],
  ssh: [{ id: 'default', optional: true }],
  invocationId: 'inv-1',
  startedOn: new Date('2024-01-02T03:04:05.678Z'),
  finishedOn: new Date('2024-01-02T03:05:00.000Z'),
  reproducible: false,
  steps: [
    { id: 'step0', op: { source: { identifier: 'docker-image://docker.io/library/alpine:3.20' } }, inputs: [] },
    { id: 'step1', op: { run: { args: ['sh', '-c', 'make'] } }, inputs: ['step0:0'], lines: { start: 3, end: 4 }, layer: { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha256('layer'), size: 10 } },
  ],
  dockerfileText: 'FROM alpine:3.20\n',
};

type Pred = {
  builder: { id: string };
  buildType: string;
  materials: { uri: string; digest: { sha256: string } }[];
  invocation: { configSource: { entryPoint: string }; parameters: { frontend: string; args?: Record<string, string>; secrets?: unknown; ssh?: unknown; locals: unknown }; environment: { platform: string } };
  buildConfig?: { llbDefinition: { id: string; inputs?: string[] }[] };
  metadata: { buildStartedOn: string; buildFinishedOn: string; completeness: { parameters: boolean; environment: boolean; materials: boolean }; reproducible: boolean } & Record<string, unknown>;
};

test('max mode: BuildKit v0.2 fields, build args and labels, secret ids, build steps with their Dockerfile lines and layers', () => {
  const p = provenancePredicate(base) as Pred;
  assert.equal(p.builder, { id: '' });
  assert.is(p.buildType, 'https://mobyproject.org/buildkit@v1');
  assert.equal(p.materials, [{ uri: 'pkg:docker/alpine@3.20?platform=linux%2Famd64', digest: { sha256: sha256('alpine').slice(7) } }], 'one material per image');
  assert.equal(p.invocation.configSource, { entryPoint: 'Dockerfile' });
  assert.equal(p.invocation.parameters.args, { 'build-arg:VERSION': '1.2', 'label:org.opencontainers.image.source': 'https://example.com/app', target: 'release' });
  assert.equal(p.invocation.parameters.secrets, [{ id: 'npmrc' }]);
  assert.equal(p.invocation.parameters.ssh, [{ id: 'default', optional: true }]);
  assert.equal(p.invocation.parameters.locals, [{ name: 'context' }, { name: 'dockerfile' }]);
  assert.is(p.invocation.environment.platform, 'linux/amd64');
  assert.equal(p.buildConfig?.llbDefinition.map((s) => [s.id, s.inputs]), [['step0', undefined], ['step1', ['step0:0']]]);
  assert.is(p.metadata.buildStartedOn, '2024-01-02T03:04:05Z');
  assert.is(p.metadata.buildFinishedOn, '2024-01-02T03:05:00Z');
  assert.equal(p.metadata.completeness, { parameters: true, environment: true, materials: false });
  const bk = p.metadata['https://mobyproject.org/buildkit@v1#metadata'] as { source: { locations: Record<string, unknown>; infos: { filename: string; data: string }[] }; layers: Record<string, unknown> };
  assert.equal(Object.keys(bk.source.locations), ['step1']);
  assert.is(Buffer.from(bk.source.infos[0]?.data ?? '', 'base64').toString(), 'FROM alpine:3.20\n');
  assert.equal(Object.keys(bk.layers), ['step1:0']);
});

test('min mode: no build-arg or label values (parameters marked incomplete), no secret ids, no steps, no Dockerfile', () => {
  const p = provenancePredicate({ ...base, mode: 'min' }) as Pred;
  assert.equal(p.invocation.parameters.args, { target: 'release' });
  assert.is(p.invocation.parameters.secrets, undefined);
  assert.is(p.invocation.parameters.ssh, undefined);
  assert.is(p.buildConfig, undefined);
  assert.is(p.metadata.completeness.parameters, false);
  assert.equal(p.metadata['https://mobyproject.org/buildkit@v1#metadata'], {});
  assert.not.ok(JSON.stringify(p).includes('1.2'), 'no build arg value');
  const plain = provenancePredicate({ ...base, mode: 'min', buildArgs: {}, labels: {}, target: undefined }) as Pred;
  assert.is(plain.metadata.completeness.parameters, true, 'nothing left out: complete');
  assert.is(plain.invocation.parameters.args, undefined);
  assert.is((provenancePredicate({ ...base, builderId: 'https://ci.example.com/run/1' }) as Pred).builder.id, 'https://ci.example.com/run/1');
});

test('image purls as BuildKit writes them, and statements with one subject per name', () => {
  const amd64 = { os: 'linux', architecture: 'amd64' };
  assert.is(imagePurl('docker.io/library/alpine:3.20', amd64), 'pkg:docker/alpine@3.20?platform=linux%2Famd64');
  assert.is(imagePurl('docker.io/team/app:1', amd64), 'pkg:docker/team/app@1?platform=linux%2Famd64');
  assert.is(imagePurl('127.0.0.1:5000/a/b/c:v2', { os: 'linux', architecture: 'arm64', variant: 'v8' }), 'pkg:docker/127.0.0.1%3A5000/a/b/c@v2?platform=linux%2Farm64%2Fv8');
  assert.is(imagePurl(`busybox@${sha256('x')}`, undefined), `pkg:docker/busybox?digest=sha256%3A${sha256('x').slice(7)}`);
  const d = sha256('manifest');
  const subjects = imageSubjects(['docker.io/library/app:1', 'docker.io/library/app:latest'], d, amd64);
  assert.equal(subjects.map((s) => s.name), ['pkg:docker/app@1?platform=linux%2Famd64', 'pkg:docker/app@latest?platform=linux%2Famd64']);
  assert.equal(imageSubjects([], d, amd64), [{ name: '_', digest: { sha256: d.slice(7) } }]);
  const st = JSON.parse(statement('https://slsa.dev/provenance/v0.2', { x: 1 }, subjects).bytes.toString()) as Record<string, unknown>;
  assert.equal(Object.keys(st), ['_type', 'predicateType', 'subject', 'predicate']);
  assert.is(st._type, 'https://in-toto.io/Statement/v0.1');
});

test.run();
