// The re-exec decision and the id maps of rootless kiln (cli/rootless.ts).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { commandOf, mapArgs, needsUserNamespace, subRange, userNamespaceRefusal } from './rootless.js';

const test = suite('rootless');

test('the command is the first word after the global options', () => {
  assert.is(commandOf(['--root', '/r', '--debug', 'build', '.']), 'build');
  assert.is(commandOf(['--runtime', 'crun', 'run', 'img']), 'run');
  assert.is(commandOf(['--root=/r', 'images']), 'images');
  assert.is(commandOf(['--help']), undefined);
});

test('an ordinary user enters the namespace for commands that touch the root, not for parse or version, and never twice', () => {
  assert.is(needsUserNamespace(['build', '.'], 1000, {}), true);
  assert.is(needsUserNamespace(['--root', 'parse', 'images'], 1000, {}), true, '--root takes a value');
  assert.is(needsUserNamespace(['parse', 'Dockerfile'], 1000, {}), false);
  assert.is(needsUserNamespace(['version'], 1000, {}), false);
  assert.is(needsUserNamespace(['--version'], 1000, {}), false);
  assert.is(needsUserNamespace(['build', '.'], 0, {}), false);
  assert.is(needsUserNamespace(['build', '.'], 1000, { KILN_ROOTLESS: '{}' }), false);
});

test('subordinate ranges are found by user name or id; the map puts 0 on the user and 1.. on the range', () => {
  const text = 'other:200000:65536\nkiln:100000:65536\n1002:300000:1000\n';
  assert.equal(subRange(text, 'kiln', 1001), { start: 100000, count: 65536 });
  assert.equal(subRange(text, 'nobody-here', 1002), { start: 300000, count: 1000 });
  assert.is(subRange(text, 'missing', 5), undefined);
  assert.is(subRange('kiln:x:65536\nkiln:1:0\n', 'kiln', 1), undefined);
  assert.equal(mapArgs(1001, { start: 100000, count: 65536 }), ['0', '1001', '1', '1', '100000', '65535']);
  assert.equal(mapArgs(1001, { start: 300000, count: 1000 }), ['0', '1001', '1', '1', '300000', '1000']);
  assert.equal(mapArgs(1001, undefined), ['0', '1001', '1']);
});

test('a host that disables user namespaces is refused naming the sysctl', () => {
  const host = (files: Record<string, string>) => (p: string) => files[p];
  assert.match(userNamespaceRefusal(host({ '/proc/sys/kernel/unprivileged_userns_clone': '0\n' })) ?? '', /kernel\.unprivileged_userns_clone/);
  assert.match(userNamespaceRefusal(host({ '/proc/sys/user/max_user_namespaces': '0\n' })) ?? '', /user\.max_user_namespaces/);
  assert.is(userNamespaceRefusal(host({ '/proc/sys/user/max_user_namespaces': '96367\n' })), undefined);
});

test.run();
