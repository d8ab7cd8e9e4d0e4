// Flag checking shared by all instructions (BuildKit's BFlags behaviour).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { commandOf, failureIn } from './test-support.js';

const flags = suite('instructions: flags');

flags('an unknown flag is an error at the flag, with a hint when a known flag is close', () => {
  assert.is(failureIn('COPY --form=builder a b'), '2:6 unknown flag: --form (did you mean from?)');
  assert.is(failureIn('COPY --chmown=1 a b'), '2:6 unknown flag: --chmown (did you mean chown?)');
  assert.is(failureIn('RUN --mnt=type=cache echo'), '2:5 unknown flag: --mnt (did you mean mount?)');
});

flags('an unknown flag far from every known one gets no hint', () => {
  assert.is(failureIn('COPY --zzzzzz a b'), '2:6 unknown flag: --zzzzzz');
  assert.is(failureIn('MAINTAINER --boo joe@example.com'), '2:12 unknown flag: --boo');
});

flags('instructions without flags reject any flag', () => {
  assert.is(failureIn('ENV --x=1 a=b'), '2:5 unknown flag: --x');
  assert.is(failureIn('WORKDIR --p=1 /app'), '2:9 unknown flag: --p');
  assert.is(failureIn('CMD --y echo'), '2:5 unknown flag: --y');
});

flags('ARG and STOPSIGNAL ignore flags, like BuildKit', () => {
  assert.equal(commandOf('arg', 'ARG --nope a').args.map((a) => a.name), ['a']);
  assert.is(commandOf('stopsignal', 'STOPSIGNAL --nope SIGTERM').signal, 'SIGTERM');
});

flags('a boolean flag accepts no value, true or false in any case', () => {
  assert.is(commandOf('copy', 'COPY --link a b').link, true);
  assert.is(commandOf('copy', 'COPY --link=TRUE a b').link, true);
  assert.is(commandOf('copy', 'COPY --link=False a b').link, false);
  assert.is(commandOf('copy', 'COPY a b').link, false);
});

flags('a boolean flag with another value is an error', () => {
  assert.is(failureIn('COPY --link=yes a b'), '2:6 expecting boolean value for flag --link, not: yes');
});

flags('a flag with `=` but no value is an error, boolean or not', () => {
  assert.is(failureIn('COPY --link= a b'), '2:6 missing a value on flag: --link');
  assert.is(failureIn('COPY --from a b'), '2:6 missing a value on flag: --from');
  assert.is(failureIn('RUN --mount echo'), '2:5 missing a value on flag: --mount');
});

flags('an empty value after `=` is allowed for a string flag', () => {
  assert.is(commandOf('copy', 'COPY --chown= a b').chown, '');
});

flags('a flag given twice is an error at the second one', () => {
  assert.is(failureIn('COPY --from=a --from=b x y'), '2:15 duplicate flag specified: --from');
  assert.is(failureIn('COPY --link --link x y'), '2:13 duplicate flag specified: --link');
  assert.is(failureIn('RUN --network=none --network=host x'), '2:20 duplicate flag specified: --network');
});

flags('--exclude repeats and keeps its order', () => {
  assert.equal(commandOf('copy', 'COPY --exclude=*.md --exclude=.git a b').excludes, ['*.md', '.git']);
  assert.equal(commandOf('add', 'ADD --exclude=x a b').excludes, ['x']);
});

flags('quoted flag values lose their quotes', () => {
  assert.is(commandOf('copy', 'COPY --from="my stage" a b').from, 'my stage');
});

flags.run();
