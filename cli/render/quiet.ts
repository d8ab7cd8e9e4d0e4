/**
 * `--progress=quiet` (`docker build -q`): nothing while building; on success
 * the image id alone on stdout, so `id=$(kiln build -q .)` works. On failure
 * it prints nothing: the CLI reports the error.
 */
import { writeFlushed, type BuildResult, type OutputStream, type RenderEvent, type Renderer } from './events.js';

/** Prints only the image id, to `out` (stdout). */
export class QuietRenderer implements Renderer {
  readonly #out: OutputStream;
  #closed = false;

  constructor(out: OutputStream) {
    this.#out = out;
  }

  write(_ev: RenderEvent): void {}

  async done(result: BuildResult): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (result.ok && result.imageId !== undefined) await writeFlushed(this.#out, `${result.imageId}\n`);
  }
}
