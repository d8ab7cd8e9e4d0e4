// EXPOSE: ports, protocols, ranges, and checks deferred for variables.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DockerfileSyntaxError } from '../index.js';
import { parsePortSpec } from './index.js';
import { commandOf, failureIn } from './test-support.js';

const expose = suite('instructions: EXPOSE');

expose('ports with protocols, default tcp, sorted by text like BuildKit', () => {
  const cmd = commandOf('expose', 'EXPOSE 8080 53/UDP 443/tcp 9/sctp');
  assert.equal(
    cmd.ports.map((p) => [p.text, p.resolved ? p.value.map((x) => `${x.port}/${x.protocol}`) : null]),
    [['443/tcp', ['443/tcp']], ['53/UDP', ['53/udp']], ['8080', ['8080/tcp']], ['9/sctp', ['9/sctp']]],
  );
});

expose('a range gives every port in it', () => {
  const [p] = commandOf('expose', 'EXPOSE 7000-7002/udp').ports;
  assert.equal(p?.resolved && p.value.map((x) => x.port), [7000, 7001, 7002]);
});

expose('host parts are accepted and ignored', () => {
  const [p] = commandOf('expose', 'EXPOSE 0.0.0.0:8080:80').ports;
  assert.equal(p?.resolved && p.value, [{ port: 80, protocol: 'tcp' }]);
});

expose('words with variables are left for the frontend', () => {
  const [p] = commandOf('expose', 'EXPOSE ${PORT}/tcp').ports;
  assert.equal([p?.resolved, p?.text, p?.range.start.column], [false, '${PORT}/tcp', 8]);
});

expose('bad ports are errors at the word', () => {
  assert.is(failureIn('EXPOSE 80 http'), '2:11 invalid containerPort: http');
  assert.is(failureIn('EXPOSE 80/tpc'), '2:8 invalid proto: tpc');
  assert.is(failureIn('EXPOSE 70000'), '2:8 invalid containerPort: 70000');
  assert.is(failureIn('EXPOSE 90-80'), '2:8 invalid containerPort: 90-80');
  assert.is(failureIn('EXPOSE /tcp'), '2:8 no port specified: /tcp<empty>');
  assert.is(failureIn('EXPOSE localhost:80:80'), '2:8 invalid IP address: localhost');
  assert.is(failureIn('EXPOSE 1-2:3-5'), '2:8 invalid ranges specified for container and host Ports: 3-5 and 1-2');
  assert.is(failureIn('EXPOSE'), '2:1 EXPOSE requires at least one argument');
});

expose('parsePortSpec checks an expanded word at the given range', () => {
  const range = commandOf('expose', 'EXPOSE $P').ports[0]?.range;
  if (range === undefined) return assert.unreachable();
  const where = { filename: 'Dockerfile', range };
  assert.equal(parsePortSpec('8080/udp', where), [{ port: 8080, protocol: 'udp' }]);
  try {
    parsePortSpec('x', where);
    assert.unreachable();
  } catch (err) {
    assert.instance(err, DockerfileSyntaxError);
    assert.is((err as DockerfileSyntaxError).message, 'Dockerfile:1:8: invalid containerPort: x');
  }
});

expose.run();
