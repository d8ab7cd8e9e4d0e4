import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PlainRenderer } from './plain.js';
import { cachedBuild, failingBuild, FakeStream, V } from './test-support.js';

const FAILING = `#1 [internal] load build definition from Dockerfile
#1 transferring dockerfile: 120B done
#1 DONE 0.0s

#2 [base 1/3] FROM docker.io/library/alpine:3.19
#2 CACHED

#3 [base 2/3] RUN apk add --no-cache make
#3 CACHED

#4 [build 3/4] RUN make
#4 0.050 compiling a.c
#4 0.050 compiling b.c
#4 0.200 linking
#4 ...

#5 [test 2/2] RUN ./test.sh
#5 0.080 ok 1
#5 ...

#6 [build 4/4] RUN sleep 10
#6 ...

#4 [build 3/4] RUN make
#4 0.500 progress 100%
#4 0.600 no newline at end
#4 DONE 0.7s

#5 [test 2/2] RUN ./test.sh
#5 0.480 not ok 2
#5 ERROR: process "/bin/sh -c ./test.sh" did not complete successfully: exit code: 1

#6 [build 4/4] RUN sleep 10
#6 CANCELED
------
 > [test 2/2] RUN ./test.sh:
0.080 ok 1
0.480 not ok 2
------

 1 warning found:
 - build-arg FOO was not consumed
`;

const CACHED = `#1 [base 1/3] FROM docker.io/library/alpine:3.19
#1 CACHED

#2 [base 2/3] RUN apk add --no-cache make
#2 CACHED

#3 exporting to image
#3 exporting layers
#3 exporting layers 0.1s done
#3 writing image sha256:0123abcd done
#3 naming to docker.io/library/app:latest done
#3 DONE 0.1s
`;

test('golden: a failing build (cached steps, chunked logs, interleaving, error, canceled, warning)', async () => {
  const out = new FakeStream();
  const r = new PlainRenderer(out);
  for (const ev of failingBuild(1000)) r.write(ev);
  await r.done({ ok: false, error: new Error('failed') });
  assert.fixture(out.text, FAILING);
});

test('golden: a successful cached rebuild with an export step', async () => {
  const out = new FakeStream();
  const r = new PlainRenderer(out);
  for (const ev of cachedBuild(1000)) r.write(ev);
  await r.done({ ok: true, imageId: 'sha256:0123abcd', durationMs: 150 });
  assert.fixture(out.text, CACHED);
});

test('output streams as it comes: complete lines at once, an unfinished line only when its vertex ends', () => {
  const out = new FakeStream();
  const r = new PlainRenderer(out);
  r.write({ type: 'vertex.started', vertex: V.make, time: 0 });
  r.write({ type: 'vertex.log', vertex: V.make, stream: 'stdout', data: 'one\ntw', time: 1234 });
  assert.is(out.text, '#1 [build 3/4] RUN make\n#1 1.234 one\n');
  r.write({ type: 'vertex.completed', vertex: V.make, durationMs: 12_345, time: 12_345 });
  assert.is(out.text, '#1 [build 3/4] RUN make\n#1 1.234 one\n#1 1.234 tw\n#1 DONE 12.3s\n');
});

test('offsets past 10 s keep 2 decimals and past 100 s 1, as BuildKit does', () => {
  const out = new FakeStream();
  const r = new PlainRenderer(out);
  r.write({ type: 'vertex.started', vertex: V.make, time: 0 });
  r.write({ type: 'vertex.log', vertex: V.make, stream: 'stdout', data: 'a\n', time: 12_345 });
  r.write({ type: 'vertex.log', vertex: V.make, stream: 'stdout', data: 'b\n', time: 123_456 });
  assert.match(out.text, '#1 12.35 a\n#1 123.5 b\n');
});

test('a vertex that failed before starting gets its header and the error', async () => {
  const out = new FakeStream();
  const r = new PlainRenderer(out);
  r.write({ type: 'vertex.error', vertex: V.from, durationMs: 0, message: 'docker.io/library/alpine:3.19: not in the local store', time: 5 });
  await r.done({ ok: false, error: new Error('x') });
  assert.fixture(
    out.text,
    '#1 [base 1/3] FROM docker.io/library/alpine:3.19\n#1 ERROR: docker.io/library/alpine:3.19: not in the local store\n------\n > [base 1/3] FROM docker.io/library/alpine:3.19:\n------\n',
  );
});

test.run();
