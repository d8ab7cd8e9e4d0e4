import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { hostsFile, parseAddHost, resolvConf } from './etc.js';
import { formatPorts, parsePublish, pastaPortArgs, publishAll } from './ports.js';
import { addressAt, formatCidr, parseCidr } from './subnet.js';

const ports = suite('-p / -P');

ports('docker forms: CPORT, HPORT:CPORT, IP:HPORT:CPORT, IP::CPORT, /udp, [v6]', () => {
  assert.equal(parsePublish('80'), { hostIp: '0.0.0.0', hostPort: 0, containerPort: 80, protocol: 'tcp' });
  assert.equal(parsePublish('8080:80'), { hostIp: '0.0.0.0', hostPort: 8080, containerPort: 80, protocol: 'tcp' });
  assert.equal(parsePublish('127.0.0.1:8080:80/udp'), { hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, protocol: 'udp' });
  assert.equal(parsePublish('127.0.0.1::80'), { hostIp: '127.0.0.1', hostPort: 0, containerPort: 80, protocol: 'tcp' });
  assert.equal(parsePublish('[::1]:8080:80'), { hostIp: '::1', hostPort: 8080, containerPort: 80, protocol: 'tcp' });
});

ports('bad values name the part at fault', () => {
  assert.throws(() => parsePublish('0'), /-p 0: invalid container port "0"/);
  assert.throws(() => parsePublish('80/sctp'), /unknown protocol "sctp"/);
  assert.throws(() => parsePublish('x:80:80'), /invalid host IP "x"/);
  assert.throws(() => parsePublish('8000-8010:80'), /port ranges are not implemented/);
  assert.throws(() => parsePublish('1:2:3:4'), /expected \[IP:\]\[HOSTPORT:\]CONTAINERPORT/);
});

ports('-P takes the image\'s ExposedPorts; pasta options; docker port lines', () => {
  assert.equal(publishAll({ '80/tcp': {}, '53/udp': {} }).map((p) => `${p.containerPort}/${p.protocol}:${p.hostPort}`), ['80/tcp:0', '53/udp:0']);
  const b = [
    { hostIp: '127.0.0.1', hostPort: 18080, containerPort: 8080, protocol: 'tcp' as const },
    { hostIp: '0.0.0.0', hostPort: 5353, containerPort: 53, protocol: 'udp' as const },
  ];
  assert.equal(pastaPortArgs(b), ['-t', '127.0.0.1/18080:8080', '-u', '5353:53']);
  assert.equal(pastaPortArgs([]), ['-t', 'none', '-u', 'none']);
  assert.equal(formatPorts(b), ['8080/tcp -> 127.0.0.1:18080', '53/udp -> 0.0.0.0:5353']);
});

ports.run();

const etc = suite('/etc/hosts and resolv.conf');

etc('hosts: localhost lines, self, peers, --add-host', () => {
  const text = hostsFile({ ip: '10.89.0.2', names: ['abc', 'web'] }, [{ ip: '10.89.0.3', names: ['db'] }], [parseAddHost('x.local:1.2.3.4')]);
  assert.ok(text.startsWith('127.0.0.1\tlocalhost\n'));
  assert.ok(text.endsWith('10.89.0.2\tabc web\n10.89.0.3\tdb\n1.2.3.4\tx.local\n'));
  assert.throws(() => parseAddHost('x:notanip'), /invalid IP address "notanip"/);
  assert.throws(() => parseAddHost('x:host-gateway'), /host-gateway is not implemented/);
});

etc('resolv.conf: --dns wins; loopback name servers of the host are dropped; search/options kept', () => {
  const host = 'nameserver 127.0.0.53\nnameserver 10.0.0.1\nsearch corp\noptions ndots:2\n';
  assert.is(resolvConf(host, []), 'nameserver 10.0.0.1\nsearch corp\noptions ndots:2\n');
  assert.is(resolvConf(host, ['9.9.9.9']), 'nameserver 9.9.9.9\nsearch corp\noptions ndots:2\n');
});

etc.run();

const subnet = suite('subnets');

subnet('CIDR parse, format, addresses; host bits and bad text refused', () => {
  const s = parseCidr('10.89.3.0/24', '--subnet');
  assert.is(formatCidr(s), '10.89.3.0/24');
  assert.is(addressAt(s, 1), '10.89.3.1');
  assert.is(s.size, 256);
  assert.throws(() => parseCidr('10.89.3.1/24', '--subnet'), /host bits set \(expected 10\.89\.3\.0\/24\)/);
  assert.throws(() => parseCidr('10.89.3.0', '--subnet'), /expected an IPv4 subnet/);
  assert.throws(() => parseCidr('300.1.1.0/24', '--subnet'), /expected an IPv4 subnet/);
});

subnet.run();
