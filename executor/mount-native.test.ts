// mount-native.ts without mounting: mount(8)-style option words become
// mount(2) flags and data, relative overlay layers become absolute.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MS_BIND, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_RDONLY, MS_REC, MS_STRICTATIME } from '../util/linux-syscalls.js';
import { absoluteOverlayOptions, splitOptions } from './mount-native.js';

const t = suite('mount-native');

t('flag words become flags, the rest stays data in order; rw clears an earlier ro', () => {
  assert.equal(splitOptions(['nosuid', 'strictatime', 'mode=755', 'size=65536k']), { flags: MS_NOSUID | MS_STRICTATIME, data: 'mode=755,size=65536k' });
  assert.equal(splitOptions(['rbind', 'ro', 'nodev', 'noexec']), { flags: MS_BIND | MS_REC | MS_RDONLY | MS_NODEV | MS_NOEXEC, data: '' });
  assert.equal(splitOptions(['ro', 'rw']).flags, 0);
});

t('overlay layers are made absolute against the source; absolute ones and escapes are kept', () => {
  assert.equal(absoluteOverlayOptions(['upperdir=u/fs', 'workdir=u/work', 'lowerdir=a/fs:/abs/b:c\\:d', 'index=off'], '/var/lib/kiln/l'), {
    lower: ['/var/lib/kiln/l/a/fs', '/abs/b', '/var/lib/kiln/l/c:d'],
    upper: '/var/lib/kiln/l/u/fs',
    work: '/var/lib/kiln/l/u/work',
    other: ['index=off'],
  });
  assert.equal(absoluteOverlayOptions(['lowerdir=/a:/b'], undefined), { lower: ['/a', '/b'], other: [] });
});

t.run();
